export type MergeSource = "pull-requests" | "merge-commits";

export type Eta =
  | {
      kind: "estimate";
      /** When the channel is expected to publish a release containing the commit. */
      at: string;
      medianIntervalSeconds: number;
      basedOnReleases: number;
      lastReleaseAt: string;
    }
  | {
      kind: "merge-cadence";
      /** When the branch is expected to get the change: the next merge of `from` into it. */
      at: string;
      from: string;
      medianIntervalSeconds: number;
      basedOnMerges: number;
      /** Where the merges were found: GitHub's PRs of that head and base, or pushed merge commits. */
      mergeSource: MergeSource;
      lastMergeAt: string;
    }
  | {
      kind: "chained";
      /** The upstream node's ETA, then this node's own cadence from there. */
      at: string;
      after: string;
      afterAt: string;
      medianIntervalSeconds: number;
      cadenceOf: "releases" | "merges";
      basedOn: number;
      /** With a cadence of merges: where they were found. */
      mergeSource?: MergeSource;
    }
  | { kind: "unknown"; reason: string };

/** Fewer published releases than this give no cadence worth projecting. */
export const MIN_RELEASES_FOR_ETA = 3;
/** Only the recent cadence counts: Hydra's speed and the channel's health change over months. */
export const CADENCE_WINDOW = 10;

/** A rhythm read from event times (releases, merges): what projecting the next one needs. */
export type Cadence =
  | { kind: "too-few"; count: number }
  | { kind: "all-at-once" }
  /** `slots` intervals after `last` is the first slot on the rhythm after now. */
  | { kind: "rhythm"; last: number; median: number; count: number; slots: number };

/**
 * The newest `window` events' median interval, and the first slot on that rhythm after `now`
 * (an overdue one's next slot is still ahead). Too few under `minimum` events.
 */
export function cadenceOf(
  events: readonly Date[],
  now: Date,
  window: number,
  minimum: number,
): Cadence {
  const times = events
    .map((d) => d.getTime())
    .sort((a, b) => a - b)
    .slice(-window);
  const last = times.at(-1);
  if (last === undefined || times.length < minimum) return { kind: "too-few", count: times.length };
  const median = medianOf(times.slice(1).map((t, i) => t - (times[i] ?? t)));
  if (median <= 0) return { kind: "all-at-once" };
  const slots = Math.max(1, Math.floor((now.getTime() - last) / median) + 1);
  return { kind: "rhythm", last, median, count: times.length, slots };
}

/**
 * When a channel will likely publish a release containing a commit, from the median interval
 * between its recent releases, projected from the last one. Without an eval containing the commit
 * running, one more interval: such an eval must still start and pass.
 */
export function estimateLanding(publishedAt: Date[], now: Date, evalRunning: boolean): Eta {
  const cadence = cadenceOf(publishedAt, now, CADENCE_WINDOW, MIN_RELEASES_FOR_ETA);
  if (cadence.kind === "too-few") {
    return {
      kind: "unknown",
      reason: `${cadence.count} published release(s); ${MIN_RELEASES_FOR_ETA} are needed to estimate a cadence`,
    };
  }
  if (cadence.kind === "all-at-once") {
    return { kind: "unknown", reason: "releases were published all at once" };
  }
  const { last, median, slots } = cadence;
  const at = last + (slots + (evalRunning ? 0 : 1)) * median;
  return {
    kind: "estimate",
    at: new Date(at).toISOString(),
    medianIntervalSeconds: Math.round(median / 1000),
    basedOnReleases: cadence.count,
    lastReleaseAt: new Date(last).toISOString(),
  };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}
