import { randomHex, seededRandom } from "./year-history/history-shape.ts";

/** One constituent's builds in one eval: each attempt's buildstatus, in order (restarts after the first). */
export interface PlannedRun {
  first: number;
  /** Results of restarts a maintainer made after the first attempt failed. */
  restarts: number[];
}

export interface PlannedEval {
  index: number;
  revision: string;
  runs: PlannedRun[];
}

/** A consistent failure: every attempt of the constituent fails from `start` to `end` (exclusive). */
export interface PlannedBreak {
  constituent: number;
  start: number;
  end: number;
}

export interface UnblockHistory {
  jobs: string[];
  /** Each constituent's chance to fail an attempt for no reason (0 for most). */
  flakeRates: number[];
  breaks: PlannedBreak[];
  evals: PlannedEval[];
}

export interface UnblockHistoryShape {
  evals: number;
  constituents: number;
  /** Share of constituents that flake, and the range of their flake rates. */
  flakyShare: number;
  flakeRate: [number, number];
  /** Chance per eval and constituent that a change breaks it, and how long a break lasts in evals. */
  breakChance: number;
  breakLength: [number, number];
  /** Chance that a maintainer restarts a failed build (once; twice for a consistent failure). */
  restartChance: number;
}

export const UNBLOCK_HISTORY: UnblockHistoryShape = {
  evals: 500,
  constituents: 40,
  flakyShare: 0.2,
  flakeRate: [0.03, 0.3],
  breakChance: 0.002,
  breakLength: [2, 30],
  restartChance: 0.8,
};

/**
 * PURE: a history of Hydra results with known truth, for measuring the unblock assistant: which
 * constituents flake (and how often) and where each consistent failure began and ended. A flaky
 * failure that is restarted passes unless it flakes again; a broken one fails every attempt.
 */
export function planUnblockHistory(
  shape: UnblockHistoryShape = UNBLOCK_HISTORY,
  seed = 1,
): UnblockHistory {
  const random = seededRandom(seed);
  const between = ([lo, hi]: [number, number]) => lo + random() * (hi - lo);
  const jobs = Array.from(
    { length: shape.constituents },
    (_, i) => `nixos.tests.t${i}.x86_64-linux`,
  );
  const flakeRates = jobs.map(() => (random() < shape.flakyShare ? between(shape.flakeRate) : 0));
  const breaks: PlannedBreak[] = [];
  const brokenUntil = jobs.map(() => -1);
  const evals: PlannedEval[] = [];
  for (let index = 0; index < shape.evals; index++) {
    const runs = jobs.map((_, c): PlannedRun => {
      const until = brokenUntil[c] ?? -1;
      if (index > 0 && index >= until && random() < shape.breakChance) {
        const end = Math.min(shape.evals, index + Math.round(between(shape.breakLength)));
        breaks.push({ constituent: c, start: index, end });
        brokenUntil[c] = end;
      }
      const broken = index < (brokenUntil[c] ?? -1);
      const attempt = () => (broken || random() < (flakeRates[c] ?? 0) ? 1 : 0);
      const first = attempt();
      const restarts: number[] = [];
      if (first !== 0 && random() < shape.restartChance) {
        restarts.push(attempt());
        if (broken && random() < 0.5) restarts.push(attempt());
      }
      return { first, restarts };
    });
    evals.push({ index, revision: randomHex(random), runs });
  }
  return { jobs, flakeRates, breaks, evals };
}
