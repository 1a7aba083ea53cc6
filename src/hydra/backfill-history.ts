import { inArray } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { hydraBuilds } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { AppError, errorCode, errorMessage } from "../errors.ts";
import { recordGate } from "./record-gate.ts";

export const HISTORY_DAYS = 30;
/**
 * `/api/latestbuilds` cannot page, so one ask must reach 30 days back: the busiest channel job
 * (nixpkgs-unstable, an eval every 8 hours) has about 90 gate builds in that time.
 */
export const HISTORY_MAX_BUILDS = 120;

export interface BackfillResult {
  channel: string;
  /** Finished gate builds Hydra lists inside the window. */
  listed: number;
  /** Of those, how many had no record at all before this run. */
  added: number;
  /** Builds Hydra answered badly for; skipped, asked again next run. */
  skipped: { buildId: number; code: string; message: string }[];
  /** Set when Hydra was unavailable and the run stopped early; the next run resumes. */
  stopped: { code: string; message: string } | null;
  /** False when Hydra listed `maxBuilds` builds all inside the window: older ones may be missing. */
  reachedSince: boolean;
}

type BackfillDeps = Pick<Deps, "db" | "hydra" | "clock" | "logger">;

/**
 * Records every finished gate build of the channel's job since `since`: build, eval and
 * constituents, through the same rate-limited client as the ticks. Resumable: what is recorded is
 * not asked again (`recordGate` only asks for what is missing or unfinished).
 */
export async function backfillJobHistory(
  deps: BackfillDeps,
  spec: ChannelSpec,
  opts: { since: Date; maxBuilds?: number },
): Promise<BackfillResult> {
  const maxBuilds = opts.maxBuilds ?? HISTORY_MAX_BUILDS;
  const listedBuilds = await deps.hydra.latestBuilds(spec.job, maxBuilds);
  const sinceUnix = opts.since.getTime() / 1000;
  const inWindow = listedBuilds.filter((b) => b.timestamp === null || b.timestamp >= sinceUnix);
  const ids = inWindow.map((b) => b.id);
  const known = ids.length
    ? await deps.db
        .select({ id: hydraBuilds.id })
        .from(hydraBuilds)
        .where(inArray(hydraBuilds.id, ids))
    : [];
  const knownIds = new Set(known.map((k) => k.id));
  const result: BackfillResult = {
    channel: spec.name,
    listed: inWindow.length,
    added: 0,
    skipped: [],
    stopped: null,
    reachedSince: listedBuilds.length < maxBuilds || inWindow.length < listedBuilds.length,
  };
  for (const build of inWindow) {
    try {
      const expect = { finished: build.finished, buildstatus: build.buildstatus };
      await recordGate(deps, build.id, expect, deps.clock.now());
      if (!knownIds.has(build.id)) result.added++;
    } catch (err) {
      const failure = { code: errorCode(err), message: errorMessage(err) };
      // Retries are spent by now: Hydra is struggling, so stop and leave the rest for the next run.
      if (err instanceof AppError && err.retryable) {
        result.stopped = failure;
        break;
      }
      result.skipped.push({ buildId: build.id, ...failure });
    }
  }
  return result;
}

/** Backfills every channel, one after another; a channel's failure never stops the others. */
export async function backfillHistory(
  deps: BackfillDeps & Pick<Deps, "channels">,
  opts: { days?: number; only?: string } = {},
): Promise<BackfillResult[]> {
  const since = new Date(deps.clock.now().getTime() - (opts.days ?? HISTORY_DAYS) * 86_400_000);
  const results: BackfillResult[] = [];
  for (const spec of deps.channels) {
    if (opts.only && spec.name !== opts.only) continue;
    const started = Date.now();
    let result: BackfillResult;
    try {
      result = await backfillJobHistory(deps, spec, { since });
    } catch (err) {
      const stopped = { code: errorCode(err), message: errorMessage(err) };
      result = {
        channel: spec.name,
        listed: 0,
        added: 0,
        skipped: [],
        stopped,
        reachedSince: false,
      };
    }
    results.push(result);
    deps.logger.info("history backfill", {
      channel: spec.name,
      step: "backfill",
      listed: result.listed,
      added: result.added,
      skipped: result.skipped.length,
      stopped: result.stopped?.code,
      durationMs: Date.now() - started,
    });
  }
  return results;
}
