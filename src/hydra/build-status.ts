import type { ConstituentState } from "../domain/facts.ts";

/**
 * Hydra's `Builds.buildstatus` codes (hydra.sql, the Rust queue runner's `BuildStatus`, common.tt).
 * 5 is obsolete; 8 (cached failure) and 13 (resolved) occur on build steps only.
 */
export const BUILD_STATUS_MEANINGS: Readonly<Record<number, string>> = {
  0: "succeeded",
  1: "failed",
  2: "dependency failed",
  3: "aborted",
  4: "cancelled",
  6: "failed with output",
  7: "timed out",
  9: "unsupported system",
  10: "log limit exceeded",
  11: "output size limit exceeded",
  12: "non-deterministic",
};

// A restart sets finished back to 0 but keeps the old buildstatus, so finished is read first, always.
const isFinished = (finished: boolean | number) => finished === true || finished === 1;

/** The meaning of a finished build's status code; unknown codes are failures, as in Hydra's UI. */
export function buildStatusMeaning(buildstatus: number | null): string {
  if (buildstatus === null) return "unknown failure (no status)";
  return BUILD_STATUS_MEANINGS[buildstatus] ?? `unknown failure (status ${buildstatus})`;
}

/** Human text for a build: "pending" until it is finished, then the meaning of its status. */
export function describeBuildStatus(
  finished: boolean | number,
  buildstatus: number | null,
): string {
  return isFinished(finished) ? buildStatusMeaning(buildstatus) : "pending";
}

/** Passed only when finished with status exactly 0; finished with anything else (even no status) failed. */
export function constituentState(
  finished: boolean | number,
  buildstatus: number | null,
): ConstituentState {
  if (!isFinished(finished)) return "pending";
  return buildstatus === 0 ? "passed" : "failed";
}
