import type { ConstituentRun, EvalPoint, RunOutcome, Verdict } from "./unblock-types.ts";

export const DEFAULT_WINDOW = 20;
/**
 * Evals a constituent's flake rate is learnt from: a test that flakes 3 % of the time rarely shows
 * it within 20 evals. Measured (bench/unblock-precision.ts): flaky recall 88.9 → 91.3 %.
 */
export const DEFAULT_MEMORY = 100;
/**
 * A failing streak is called flaky while the chance that a test flaking at its measured rate fails
 * that many independent attempts in a row stays at or above this.
 */
export const FLAKY_LIKELIHOOD = 0.05;

export interface Judgement {
  evals: number;
  failures: number;
  restartsPassed: number;
  flakiness: number;
  verdict: Verdict;
}

const MARK: Record<RunOutcome, string> = {
  passed: "✔",
  "passed-on-restart": "↻",
  failed: "✖",
  pending: "⧖",
  absent: "·",
};

export const stripOf = (runs: ConstituentRun[]) => runs.map((r) => MARK[r.outcome]).join("");

/**
 * The outcome of one build from the results Hydra showed of it, oldest first, and whether it is
 * finished now. A build Hydra keeps after a restart ends "passed-on-restart" when its newest result
 * passed and an earlier one failed.
 */
export function outcomeOf(
  statuses: number[],
  finished: boolean,
): { outcome: RunOutcome; failedAttempts: number } {
  const failedAttempts = statuses.filter((s) => s !== 0).length;
  const last = statuses.at(-1);
  if (!finished || last === undefined) return { outcome: "pending", failedAttempts };
  if (last !== 0) return { outcome: "failed", failedAttempts };
  return { outcome: failedAttempts > 0 ? "passed-on-restart" : "passed", failedAttempts };
}

const isResult = (r: ConstituentRun) => r.outcome !== "absent" && r.outcome !== "pending";
const passed = (r: ConstituentRun) => r.outcome === "passed" || r.outcome === "passed-on-restart";
const point = (r: ConstituentRun): EvalPoint => ({
  evalId: r.evalId,
  revision: r.revision,
  evaluatedAt: r.evaluatedAt,
});

/**
 * Failures that did not stick, counted once per build (Hydra reuses a build across evals when its
 * derivation did not change, which is one result, not several): passed on restart, or followed
 * by a pass in the next eval with a result.
 */
function nonSticky(results: ConstituentRun[]): number {
  const seen = new Set<number>();
  let count = 0;
  results.forEach((r, i) => {
    if (r.buildId !== null && seen.has(r.buildId)) return;
    if (r.buildId !== null) seen.add(r.buildId);
    const next = results[i + 1];
    if (r.outcome === "passed-on-restart") count++;
    else if (r.outcome === "failed" && next && passed(next)) count++;
  });
  return count;
}

function failedText(failures: number, evals: number): string {
  return `failed ${failures} time${failures === 1 ? "" : "s"} in ${evals} eval${evals === 1 ? "" : "s"}`;
}

function flakyText(failures: number, evals: number, restarts: number, earlier: number) {
  const how =
    restarts === earlier && restarts > 0
      ? "each earlier failure passed on restart"
      : restarts > 0
        ? `${restarts} passed on restart, the others in the next eval`
        : "each earlier failure passed in the next eval";
  return `likely flaky: ${failedText(failures, evals)}, ${how}`;
}

/**
 * PURE: a verdict on one constituent from its runs over the window (oldest first, the blocked
 * eval last). A failing streak is "consistent" unless the constituent's earlier failures show it
 * flakes often enough that the streak's failed attempts are a plausible run of bad luck.
 */
export function judgeConstituent(history: ConstituentRun[], window = history.length): Judgement {
  // What is shown and counted: the last `window` evals. The flake rate learns from all of `history`.
  const runs = history.slice(-window);
  const results = runs.filter(isResult);
  const failures = results.filter((r) => r.outcome !== "passed").length;
  const restartsPassed = results.filter((r) => r.outcome === "passed-on-restart").length;
  const evals = runs.length;
  const flakes = nonSticky(results);
  const flakiness = results.length ? flakes / results.length : 0;
  const base = { evals, failures, restartsPassed, flakiness };
  const newest = results.at(-1);
  const latest = runs.at(-1);
  if (latest?.outcome === "pending") {
    return { ...base, verdict: { kind: "pending", text: "building (queued or restarted)" } };
  }
  if (!newest) return { ...base, verdict: { kind: "unknown", text: "no result recorded yet" } };
  if (passed(newest)) {
    const how = newest.outcome === "passed-on-restart" ? "passed on restart" : "passed";
    return { ...base, verdict: { kind: "passing", text: `${how} in eval ${newest.evalId}` } };
  }

  const all = history.filter(isResult);
  let start = all.length - 1;
  while (start > 0 && all[start - 1]?.outcome === "failed") start--;
  const streak = all.slice(start);
  const before = all.slice(0, start);
  const seen = new Set<number>();
  let streakAttempts = 0;
  for (const r of streak) {
    if (r.buildId !== null && seen.has(r.buildId)) continue;
    if (r.buildId !== null) seen.add(r.buildId);
    streakAttempts += Math.max(1, r.failedAttempts);
  }
  const earlierFlakes = nonSticky(before);
  const rate = before.length ? earlierFlakes / before.length : 0;
  if (earlierFlakes > 0 && rate ** streakAttempts >= FLAKY_LIKELIHOOD) {
    const shownBefore = before.filter((r) => runs.includes(r));
    const earlierFailures = shownBefore.filter((r) => r.outcome !== "passed").length;
    const restarts = shownBefore.filter((r) => r.outcome === "passed-on-restart").length;
    return {
      ...base,
      verdict: {
        kind: "flaky",
        text:
          earlierFailures > 0
            ? flakyText(failures, evals, restarts, earlierFailures)
            : `likely flaky: ${failedText(failures, evals)}; ${earlierFlakes} of its ${before.length} results before failed and did not stick`,
        failures,
        restartsPassed,
      },
    };
  }
  const first = streak[0] ?? newest;
  const good = before.at(-1);
  const lastGood = good ? point(good) : null;
  const text = lastGood
    ? `failing since eval ${first.evalId} (first bad; passed in eval ${lastGood.evalId})`
    : `failing in every eval recorded (since eval ${first.evalId} at least)`;
  return { ...base, verdict: { kind: "consistent", text, firstBad: point(first), lastGood } };
}
