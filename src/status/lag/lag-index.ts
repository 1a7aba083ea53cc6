import type { LagCommit } from "./compute-lag.ts";

/**
 * A history's commits as sorted columns, built once per load: a window's behind series and weekly
 * latency are then slices of them. Computed from the commits at each read, they were a pass with a
 * Map and a sort over every commit of the window, for every page and JSON re-rendering.
 */
export interface LagIndex {
  /** The distinct times a commit was first seen or landed (commits that were ever behind), ascending. */
  changeAt: Float64Array;
  /** Commits behind just after each of them. */
  behindAfter: Int32Array;
  /** The landing times of landed commits, ascending… */
  landedAt: Float64Array;
  /** …and each one's latency (first seen → landed), whole seconds. */
  latencySeconds: Float64Array;
}

/** Pure: the index of `commits` (any order). */
export function indexLag(commits: LagCommit[]): LagIndex {
  // A commit landed no later than master had it (a backport) is never behind.
  const events: { at: number; delta: number }[] = [];
  const landings: { at: number; seconds: number }[] = [];
  for (const c of commits) {
    const landed = c.landedAtMs;
    if (landed !== null) {
      landings.push({
        at: landed,
        seconds: Math.max(0, Math.round((landed - c.firstSeenAtMs) / 1000)),
      });
    }
    if (landed !== null && landed <= c.firstSeenAtMs) continue;
    events.push({ at: c.firstSeenAtMs, delta: 1 });
    if (landed !== null) events.push({ at: landed, delta: -1 });
  }
  events.sort((a, b) => a.at - b.at);
  const changeAt: number[] = [];
  const behindAfter: number[] = [];
  let behind = 0;
  for (const e of events) {
    behind += e.delta;
    if (changeAt.at(-1) === e.at) behindAfter[behindAfter.length - 1] = behind;
    else {
      changeAt.push(e.at);
      behindAfter.push(behind);
    }
  }
  landings.sort((a, b) => a.at - b.at);
  return {
    changeAt: Float64Array.from(changeAt),
    behindAfter: Int32Array.from(behindAfter),
    landedAt: Float64Array.from(landings, (l) => l.at),
    latencySeconds: Float64Array.from(landings, (l) => l.seconds),
  };
}

/** The first index whose value is above `value` (`inclusive`: at or above) in an ascending array. */
export function firstAbove(sorted: Float64Array, value: number, inclusive = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] ?? Number.POSITIVE_INFINITY;
    if (v > value || (inclusive && v === value)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
