import type { Db } from "../db/client.ts";
import { hydraJobsets } from "../db/schema.ts";
import type { EvalProgressFact } from "../domain/facts.ts";
import { errorCode, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { HydraApi, JobRef } from "./hydra-api.ts";
import type { HydraJobsetOverview } from "./schemas.ts";
import { toDate } from "./upsert-builds.ts";

/** One `/api/jobsets?project=P` answer serves every jobset (and channel) of P for this long. */
export const OVERVIEW_MAX_AGE_MS = 15 * 60_000;

interface Asked {
  atMs: number;
  answer: Promise<HydraJobsetOverview[]>;
}

// Deps has no slot for caches; keyed by the client, so each wiring (and each test) has its own.
const askedByClient = new WeakMap<HydraApi, Map<string, Asked>>();

/**
 * Hydra's jobset overview of `project`, asked at most once per `maxAgeMs` of `now`. A failure is
 * remembered as long as an answer would be, so a broken endpoint costs one request per period too.
 */
export function jobsetOverview(
  hydra: HydraApi,
  project: string,
  now: Date,
  maxAgeMs = OVERVIEW_MAX_AGE_MS,
  fresh = false,
): Promise<HydraJobsetOverview[]> {
  let asked = askedByClient.get(hydra);
  if (!asked) {
    asked = new Map();
    askedByClient.set(hydra, asked);
  }
  const nowMs = now.getTime();
  const last = asked.get(project);
  if (!fresh && last && nowMs >= last.atMs && nowMs - last.atMs < maxAgeMs) return last.answer;
  const answer = hydra.jobsets(project);
  answer.catch(() => undefined); // observed by the caller; this only keeps the cached copy quiet
  asked.set(project, { atMs: nowMs, answer });
  return answer;
}

/**
 * How far the newest eval of `job`'s jobset is, or null when Hydra cannot say right now. `fresh`
 * skips the cache: when Hydra just showed something new, a cached "still building" is likely stale.
 */
export async function evalProgress(
  deps: { hydra: HydraApi; logger: Logger },
  job: JobRef,
  now: Date,
  opts: { fresh?: boolean } = {},
): Promise<EvalProgressFact | null> {
  try {
    const rows = await jobsetOverview(
      deps.hydra,
      job.project,
      now,
      OVERVIEW_MAX_AGE_MS,
      opts.fresh,
    );
    const row = rows.find((r) => r.name === job.jobset);
    if (!row) return null;
    return {
      project: job.project,
      jobset: job.jobset,
      scheduled: row.nrscheduled,
      succeeded: row.nrsucceeded,
      failed: row.nrfailed,
      total: row.nrtotal,
      lastCheckedAt: toDate(row.lastcheckedtime),
    };
  } catch (err) {
    // Only an explanation: the gate decides without it.
    deps.logger.warn("jobset overview unavailable", {
      step: "hydra",
      project: job.project,
      code: errorCode(err),
      error: errorMessage(err),
    });
    return null;
  }
}

/** Keeps the newest answer per jobset, so "is an eval containing my commit running?" can be read later. */
export async function recordEvalProgress(
  db: Db,
  progress: EvalProgressFact,
  now: Date,
): Promise<void> {
  const values = {
    project: progress.project,
    jobset: progress.jobset,
    scheduled: progress.scheduled,
    total: progress.total,
    lastCheckedAt: progress.lastCheckedAt,
    fetchedAt: now,
  };
  await db
    .insert(hydraJobsets)
    .values(values)
    .onConflictDoUpdate({ target: [hydraJobsets.project, hydraJobsets.jobset], set: values });
}
