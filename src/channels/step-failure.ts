import { and, eq } from "drizzle-orm";
import type { GatePolicy } from "../config/config.ts";
import { type Release, type ReleaseState, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { BlockReason } from "../domain/decision.ts";
import { errorCode, errorMessage } from "../errors.ts";

/** The step a release in each state attempts next: what failed when a run stops there. */
export const STEP_AFTER: Record<ReleaseState, string> = {
  pending: "writing the release files",
  files: "updating the branch",
  branch: "publishing",
  published: "publishing",
  abandoned: "publishing",
  failed: "publishing",
};

/**
 * When a step may be tried again after its `attempts`-th failure: the next tick after the first
 * (one transient error costs one tick), then `stepBackoffMs`, doubling each time.
 */
export function nextAttemptAt(policy: GatePolicy, attempts: number, now: Date): Date | null {
  if (attempts < 2) return null;
  return new Date(now.getTime() + policy.stepBackoffMs * 2 ** (attempts - 2));
}

/** Why a release does not move on, as the page shows it: still retrying, or stopped. */
export function releaseBlock(release: Release, policy: GatePolicy): BlockReason | null {
  const error = release.lastError;
  if (release.state === "failed") {
    return {
      kind: "release-failed",
      release: release.name,
      step: error?.step ?? STEP_AFTER[release.failedFrom ?? "pending"],
      code: error?.code ?? "INTERNAL",
      message: error?.message ?? "failed",
      attempts: release.attempts,
    };
  }
  if (!error || release.attempts === 0) return null;
  return {
    kind: "step-failed",
    step: error.step,
    code: error.code,
    message: error.message,
    release: release.name,
    attempts: release.attempts,
    maxAttempts: policy.stepMaxAttempts,
    nextAttemptAt: release.nextAttemptAt?.toISOString() ?? null,
  };
}

/**
 * Counts a failed step on the release (in the state it was left in) and schedules its retry, or
 * after `stepMaxAttempts` stops it as `failed`. A compare-and-set on that state: a row someone else
 * moved meanwhile is left alone.
 */
export async function recordStepFailure(
  deps: Deps,
  releaseId: number,
  err: unknown,
): Promise<Release | null> {
  const [row] = await deps.db.select().from(releases).where(eq(releases.id, releaseId));
  if (!row || row.state === "published" || row.state === "abandoned" || row.state === "failed") {
    return row ?? null;
  }
  const now = deps.clock.now();
  const attempts = row.attempts + 1;
  const lastError = {
    code: errorCode(err),
    message: errorMessage(err),
    step: STEP_AFTER[row.state],
    at: now.toISOString(),
  };
  const stop = attempts >= deps.gate.stepMaxAttempts;
  const [updated] = await deps.db
    .update(releases)
    .set(
      stop
        ? { state: "failed", failedFrom: row.state, attempts, lastError, nextAttemptAt: null }
        : { attempts, lastError, nextAttemptAt: nextAttemptAt(deps.gate, attempts, now) },
    )
    .where(and(eq(releases.id, row.id), eq(releases.state, row.state)))
    .returning();
  if (stop && updated) {
    deps.logger.error("release step failed for good", {
      channel: row.channel,
      release: row.name,
      step: lastError.step,
      attempts,
      code: lastError.code,
    });
  }
  return updated ?? null;
}
