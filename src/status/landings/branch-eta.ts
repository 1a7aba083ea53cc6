import { cadenceOf, type Eta, type MergeSource } from "./advance-cadence.ts";

/** Fewer recorded merges of one branch into the next than this give no rhythm worth projecting. */
export const MIN_MERGES_FOR_ETA = 3;
/** Only the recent merges count: a cycle's length changes with the release schedule. */
export const MERGE_WINDOW = 10;

/** The recorded merges of one branch into the next, and where they were found. */
export interface MergeHistory {
  source: MergeSource;
  mergedAt: readonly Date[];
  /** Where else was looked, for an answer with too few merges. */
  alsoLooked?: string;
}

const SOURCE_WORDS: Record<MergeSource, string> = {
  "pull-requests": "by pull request",
  "merge-commits": "by pushed merge commit",
};

/**
 * When branch `from` will likely next be merged into the branch after it, from the median interval
 * between its recent merges (pull requests with that head and base, or merge commits pushed),
 * projected from the last one to the first slot after `now`. No estimate from fewer than
 * `MIN_MERGES_FOR_ETA` merges.
 */
export function estimateMerge(from: string, history: MergeHistory, now: Date): Eta {
  const cadence = cadenceOf(history.mergedAt, now, MERGE_WINDOW, MIN_MERGES_FOR_ETA);
  if (cadence.kind === "too-few") {
    const also = history.alsoLooked ? ` (${history.alsoLooked})` : "";
    return {
      kind: "unknown",
      reason: `${cadence.count} recorded merge(s) of ${from} ${SOURCE_WORDS[history.source]}${also}; ${MIN_MERGES_FOR_ETA} are needed to estimate when the next comes`,
    };
  }
  if (cadence.kind === "all-at-once") {
    return { kind: "unknown", reason: `${from} was merged all at once` };
  }
  const { last, median, slots } = cadence;
  return {
    kind: "merge-cadence",
    at: new Date(last + slots * median).toISOString(),
    from,
    medianIntervalSeconds: Math.round(median / 1000),
    basedOnMerges: cadence.count,
    mergeSource: history.source,
    lastMergeAt: new Date(last).toISOString(),
  };
}

/**
 * A node that gets the change only after `after` does: the step's own estimate (a merge or a
 * release cadence) projected from `after`'s ETA instead of from now. Unknown when either is.
 */
export function chainedEta(after: string, upstream: Eta, step: (from: Date) => Eta): Eta {
  if (upstream.kind === "unknown") {
    return { kind: "unknown", reason: `waits for ${after}, which has no ETA: ${upstream.reason}` };
  }
  const next = step(new Date(upstream.at));
  if (next.kind === "unknown" || next.kind === "chained") return next;
  return {
    kind: "chained",
    at: next.at,
    after,
    afterAt: upstream.at,
    medianIntervalSeconds: next.medianIntervalSeconds,
    ...(next.kind === "estimate"
      ? { cadenceOf: "releases" as const, basedOn: next.basedOnReleases }
      : {
          cadenceOf: "merges" as const,
          basedOn: next.basedOnMerges,
          mergeSource: next.mergeSource,
        }),
  };
}

/** The earliest of several ETAs with a time, else the first (unknown) one. */
export function earliestEta(etas: readonly Eta[]): Eta | null {
  const timed = etas.flatMap((e) => (e.kind === "unknown" ? [] : [e]));
  timed.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return timed[0] ?? etas[0] ?? null;
}
