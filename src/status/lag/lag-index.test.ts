import { describe, expect, it } from "vitest";
import { computeLag, type LagCommit, weekStart } from "./compute-lag.ts";
import { indexLag } from "./lag-index.ts";

const H = 3_600_000;
const T0 = Date.parse("2026-03-02T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** The behind series as computed from every commit at each read, before the index (unfolded). */
function behindFromEveryCommit(commits: LagCommit[], from: number, to: number) {
  const missingAt = (c: LagCommit, at: number) =>
    c.firstSeenAtMs <= at &&
    (c.landedAtMs === null || c.landedAtMs > Math.max(at, c.firstSeenAtMs));
  const deltas = new Map<number, number>();
  let count = 0;
  for (const c of commits) {
    const seen = c.firstSeenAtMs;
    const landed = c.landedAtMs ?? Number.POSITIVE_INFINITY;
    if (landed <= seen || seen > to) continue;
    if (missingAt(c, from)) count++;
    else if (seen > from) deltas.set(seen, (deltas.get(seen) ?? 0) + 1);
    if (landed > from && landed <= to) deltas.set(landed, (deltas.get(landed) ?? 0) - 1);
  }
  const points = [{ at: iso(from), commits: count }];
  for (const at of [...deltas.keys()].sort((a, b) => a - b)) {
    count += deltas.get(at) ?? 0;
    points.push({ at: iso(at), commits: count });
  }
  points.push({ at: iso(to), commits: count });
  return points;
}

/** Weekly latency as computed from every commit at each read, before the index. */
function latencyFromEveryCommit(commits: LagCommit[], from: number, to: number) {
  const weeks = new Map<number, number[]>();
  for (const c of commits) {
    const landed = c.landedAtMs;
    if (landed === null || landed < from || landed > to) continue;
    const list = weeks.get(weekStart(landed)) ?? [];
    list.push(Math.max(0, Math.round((landed - c.firstSeenAtMs) / 1000)));
    weeks.set(weekStart(landed), list);
  }
  const rank = (sorted: number[], p: number) =>
    sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return [...weeks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return {
        weekStart: iso(start),
        commits: sorted.length,
        p50Seconds: rank(sorted, 50),
        p90Seconds: rank(sorted, 90),
        maxSeconds: sorted.at(-1) ?? 0,
      };
    });
}

describe("indexLag", () => {
  it("gives every window the behind series and weekly latency computed from every commit", () => {
    // 300 commits over 25 days on whole quarter hours (so times tie), a third landing 0-60 h after
    // being seen, some before (backports), the rest still missing.
    const commits: LagCommit[] = Array.from({ length: 300 }, (_, i) => {
      const seen = T0 + ((i * 37) % 2400) * (H / 4);
      const landed = i % 3 === 2 ? null : seen + (((i * 11) % 64) - 4) * H;
      return { sha: `c${i}`, committedAtMs: seen - H, firstSeenAtMs: seen, landedAtMs: landed };
    });
    const history = { channel: "c", sourceBranch: "master", releases: [], commits };
    const index = indexLag(commits);
    let compared = 0;
    for (const toH of [0, 30, 100, 333.25, 600, 700]) {
      for (const days of [1, 3, 9]) {
        const to = T0 + toH * H;
        const from = to - days * 24 * H;
        const lag = computeLag(history, new Date(to), days, index);
        // Few enough points that none are folded: compare them all.
        expect(lag.behind).toEqual(behindFromEveryCommit(commits, from, to));
        expect(lag.latency).toEqual(latencyFromEveryCommit(commits, from, to));
        compared += lag.behind.length + lag.latency.length;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});
