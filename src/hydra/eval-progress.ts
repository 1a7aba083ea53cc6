import { z } from "zod";
import type { Db } from "../db/client.ts";
import { hydraJobsets } from "../db/schema.ts";
import type { UpstreamCache } from "../db/upstream-cache.ts";
import type { EvalProgressFact } from "../domain/facts.ts";
import { AppError, errorCode, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { HydraApi, JobRef } from "./hydra-api.ts";
import { HydraJobsetOverview } from "./schemas.ts";
import { toDate } from "./upsert-builds.ts";

/** One `/api/jobsets?project=P` answer serves every jobset (and channel) of P for this long. */
export const OVERVIEW_MAX_AGE_MS = 15 * 60_000;

const StoredOverview = z.union([
  z.object({ rows: z.array(HydraJobsetOverview) }),
  z.object({ failed: z.object({ code: z.string(), message: z.string() }) }),
]);

export interface OverviewDeps {
  hydra: HydraApi;
  /** Where the last answer is kept, so a tick in a fresh process does not ask again. */
  upstreamCache: UpstreamCache;
}

/**
 * Hydra's jobset overview of `project`, asked at most once per `maxAgeMs` of `now` (any process:
 * the answer is kept in `upstreamCache`). A failure is remembered as long as an answer would be,
 * so a broken endpoint costs one request per period too.
 */
export async function jobsetOverview(
  deps: OverviewDeps,
  project: string,
  now: Date,
  maxAgeMs = OVERVIEW_MAX_AGE_MS,
  fresh = false,
): Promise<HydraJobsetOverview[]> {
  const key = `hydra /api/jobsets?project=${project}`;
  const nowMs = now.getTime();
  const last = fresh ? null : await deps.upstreamCache.get(key);
  const age = last ? nowMs - last.storedAt.getTime() : Number.NaN;
  const stored = age >= 0 && age < maxAgeMs ? StoredOverview.safeParse(last?.body) : null;
  if (stored?.success) {
    if ("rows" in stored.data) return stored.data.rows;
    throw new AppError(stored.data.failed.code, stored.data.failed.message);
  }
  try {
    const rows = await deps.hydra.jobsets(project);
    await deps.upstreamCache.put(key, { etag: null, body: { rows }, storedAt: now });
    return rows;
  } catch (err) {
    const failed = { code: errorCode(err), message: errorMessage(err) };
    await deps.upstreamCache.put(key, { etag: null, body: { failed }, storedAt: now });
    throw err;
  }
}

/**
 * How far the newest eval of `job`'s jobset is, or null when Hydra cannot say right now. `fresh`
 * skips the cache: when Hydra just showed something new, a cached "still building" is likely stale.
 */
export async function evalProgress(
  deps: OverviewDeps & { logger: Logger },
  job: JobRef,
  now: Date,
  opts: { fresh?: boolean } = {},
): Promise<EvalProgressFact | null> {
  try {
    const rows = await jobsetOverview(deps, job.project, now, OVERVIEW_MAX_AGE_MS, opts.fresh);
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
