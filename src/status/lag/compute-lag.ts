import { firstAbove, indexLag, type LagIndex } from "./lag-index.ts";
import type {
  Advance,
  AgePoint,
  BehindPoint,
  ChannelLag,
  LatencyWeek,
  MissingCommit,
} from "./lag-schema.ts";

/** A published release as lag sees it. */
export interface LagRelease {
  name: string;
  revision: string;
  /** Epoch ms, as every time a window holds: a year of `Date`s was most of the lag history's memory. */
  revisionCommittedAtMs: number | null;
  publishedAtMs: number;
  /** Source-branch commits it was the first release of this channel to bring. */
  commits: number;
}

/** A commit first seen on the channel's source branch, and when the channel first had it. */
export interface LagCommit {
  sha: string;
  committedAtMs: number;
  firstSeenAtMs: number;
  /** Publish time of the first release of this channel containing it; null: not yet. */
  landedAtMs: number | null;
}

/**
 * The recorded history a window needs: every published release (oldest first) from the last one
 * before the window on, and every source commit seen in the window or still missing at its start.
 */
export interface LagHistory {
  channel: string;
  sourceBranch: string;
  releases: LagRelease[];
  commits: LagCommit[];
}

/** Charts stay readable and responses small: longer series are folded into this many buckets. */
export const MAX_SERIES_POINTS = 400;

const DAY_MS = 86_400_000;
const secondsBetween = (from: number, to: number) => Math.max(0, Math.round((to - from) / 1000));
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Pure: a channel's lag over `days` up to `now` (../shared/DESIGN.md "Lag, defined"). `index` is
 * `indexLag(history.commits)`, kept by a caller that reads one history many times.
 */
export function computeLag(
  history: LagHistory,
  now: Date,
  days: number,
  index: LagIndex = indexLag(history.commits),
): ChannelLag {
  const to = now.getTime();
  const from = to - days * DAY_MS;
  const releases = releasesBy(history, to);
  const served = releases.at(-1);
  const behind = behindSeries(index, from, to);
  return {
    channel: history.channel,
    sourceBranch: history.sourceBranch,
    days,
    from: iso(from),
    to: iso(to),
    current: {
      revisionAgeSeconds:
        served && served.revisionCommittedAtMs !== null
          ? secondsBetween(served.revisionCommittedAtMs, to)
          : null,
      updateAgeSeconds: served ? secondsBetween(served.publishedAtMs, to) : null,
      behind: { commits: behind.at(-1)?.commits ?? 0, oldest: oldestMissing(history.commits, to) },
    },
    revisionAge: revisionAgeSeries(releases, from, to),
    updateAge: ageSeries(releases, from, to, (r) => r.publishedAtMs),
    behind: foldPoints(behind),
    latency: latencyWeeks(index, from, to),
    advances: releases
      .filter((r) => r.publishedAtMs >= from)
      .map(
        (r): Advance => ({
          at: iso(r.publishedAtMs),
          release: r.name,
          revision: r.revision,
          commits: r.commits,
        }),
      ),
  };
}

/** The releases published by `to`, oldest first. */
const releasesBy = (history: LagHistory, to: number) =>
  history.releases.filter((r) => r.publishedAtMs <= to);

/** Revision age over (from, to]: the sawtooth of `ChannelLag.revisionAge` (and the overview's sparkline). */
function revisionAgeSeries(releases: LagRelease[], from: number, to: number): AgePoint[] {
  return ageSeries(releases, from, to, (r) => r.revisionCommittedAtMs);
}

/** `ChannelLag.revisionAge` alone: what the overview's sparkline is drawn from. */
export function computeRevisionAge(history: LagHistory, now: Date, days: number): AgePoint[] {
  const to = now.getTime();
  return revisionAgeSeries(releasesBy(history, to), to - days * DAY_MS, to);
}

/**
 * `ChannelLag.current.behind` from `commits`, any subset of a history's commits that holds every
 * one missing at `now` (a longer list only costs time): the count and the oldest by commit time.
 */
export function behindAt(commits: LagCommit[], now: Date): ChannelLag["current"]["behind"] {
  const at = now.getTime();
  let count = 0;
  for (const c of commits) if (isMissingAt(c, at)) count++;
  return { commits: count, oldest: oldestMissing(commits, at) };
}

/** The commits that can be behind at `at` or later (those not landed by then): `behindAt`'s list. */
export function unlandedBy(commits: LagCommit[], at: Date): LagCommit[] {
  const atMs = at.getTime();
  return commits.filter((c) => c.landedAtMs === null || c.landedAtMs > atMs);
}

/**
 * Age of what was served, at the window's start, just before and at each advance, and now: drawn
 * as lines, the points make the sawtooth (rising one second per second, dropping at each advance).
 */
function ageSeries(
  releases: LagRelease[],
  from: number,
  to: number,
  bornAt: (r: LagRelease) => number | null,
): AgePoint[] {
  const points: AgePoint[] = [];
  const push = (at: number, r: LagRelease | undefined) => {
    const born = r ? bornAt(r) : null;
    if (born !== null) points.push({ at: iso(at), seconds: secondsBetween(born, at) });
  };
  let servedRelease: LagRelease | undefined;
  for (const r of releases) {
    const at = r.publishedAtMs;
    if (at > from) {
      if (points.length === 0) push(from, servedRelease);
      push(at, servedRelease);
      push(at, r);
    }
    servedRelease = r;
  }
  if (points.length === 0) push(from, servedRelease);
  push(to, servedRelease);
  return points;
}

/** A commit counts as behind from when it is seen on the source branch until it lands. */
function isMissingAt(c: LagCommit, at: number): boolean {
  const seen = c.firstSeenAtMs;
  return seen <= at && (c.landedAtMs === null || c.landedAtMs > Math.max(at, seen));
}

/** A step of the behind series in epoch ms: ISO strings only for the points that are kept. */
interface Step {
  at: number;
  commits: number;
}

/** Commits behind at the window's start and after every change in it (a step function). */
function behindSeries(index: LagIndex, from: number, to: number): Step[] {
  const { changeAt, behindAfter } = index;
  let i = firstAbove(changeAt, from);
  let count = behindAfter[i - 1] ?? 0;
  const points: Step[] = [{ at: from, commits: count }];
  for (; i < changeAt.length && (changeAt[i] ?? to) <= to; i++) {
    count = behindAfter[i] ?? count;
    points.push({ at: changeAt[i] ?? to, commits: count });
  }
  points.push({ at: to, commits: count });
  return points;
}

/** At most MAX_SERIES_POINTS points: each bucket keeps its highest value (peaks stay visible). */
function foldPoints(points: Step[]): BehindPoint[] {
  const toPoint = (p: Step): BehindPoint => ({ at: iso(p.at), commits: p.commits });
  if (points.length <= MAX_SERIES_POINTS) return points.map(toPoint);
  const first = points[0]?.at ?? 0;
  const span = (points.at(-1)?.at ?? first) - first;
  const buckets = new Map<number, Step>();
  for (const p of points) {
    const key = Math.min(
      MAX_SERIES_POINTS - 1,
      Math.floor(((p.at - first) / span) * MAX_SERIES_POINTS),
    );
    const kept = buckets.get(key);
    if (!kept || p.commits > kept.commits) buckets.set(key, p);
  }
  const last = points.at(-1);
  const folded = [...buckets.values()];
  if (last && folded.at(-1)?.at !== last.at) folded.push(last);
  return folded.map(toPoint);
}

function oldestMissing(commits: LagCommit[], now: number): MissingCommit | null {
  let oldest: LagCommit | undefined;
  for (const c of commits) {
    if (isMissingAt(c, now) && (!oldest || c.committedAtMs < oldest.committedAtMs)) oldest = c;
  }
  if (!oldest) return null;
  return {
    sha: oldest.sha,
    committedAt: iso(oldest.committedAtMs),
    firstSeenAt: iso(oldest.firstSeenAtMs),
    ageSeconds: secondsBetween(oldest.committedAtMs, now),
  };
}

/** Monday 00:00 UTC of the week containing `ms`. */
export function weekStart(ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
  return (day - ((day + 3) % 7)) * DAY_MS;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Latency of each commit that landed in the window, grouped by the week it landed in. */
function latencyWeeks(index: LagIndex, from: number, to: number): LatencyWeek[] {
  const { landedAt, latencySeconds } = index;
  const end = firstAbove(landedAt, to);
  const weeks: LatencyWeek[] = [];
  // Landings are in time order: each week is one run of them.
  for (let i = firstAbove(landedAt, from, true); i < end; ) {
    const start = weekStart(landedAt[i] ?? 0);
    let next = i + 1;
    while (next < end && weekStart(landedAt[next] ?? 0) === start) next++;
    const sorted = latencySeconds.slice(i, next).sort();
    weeks.push({
      weekStart: iso(start),
      commits: sorted.length,
      p50Seconds: percentile(sorted, 50),
      p90Seconds: percentile(sorted, 90),
      maxSeconds: sorted.at(-1) ?? 0,
    });
    i = next;
  }
  return weeks;
}
