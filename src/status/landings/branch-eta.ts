import { type Eta, medianOf } from "./advance-cadence.ts";

/** Fewer recorded merges of one branch into the next than this give no rhythm worth projecting. */
export const MIN_MERGES_FOR_ETA = 3;
/** Only the recent merges count: a cycle's length changes with the release schedule. */
export const MERGE_WINDOW = 10;

/**
 * When branch `from` will likely next be merged into the branch after it, from the median interval
 * between its recent merges (pull requests with that head and base), projected from the last one
 * to the first slot after `now`. No estimate from fewer than `MIN_MERGES_FOR_ETA` merges.
 */
export function estimateMerge(from: string, mergedAt: readonly Date[], now: Date): Eta {
  const times = mergedAt
    .map((d) => d.getTime())
    .sort((a, b) => a - b)
    .slice(-MERGE_WINDOW);
  const last = times.at(-1);
  if (last === undefined || times.length < MIN_MERGES_FOR_ETA) {
    return {
      kind: "unknown",
      reason: `${times.length} recorded merge(s) of ${from} by pull request; ${MIN_MERGES_FOR_ETA} are needed to estimate when the next comes`,
    };
  }
  const median = medianOf(times.slice(1).map((t, i) => t - (times[i] ?? t)));
  if (median <= 0) return { kind: "unknown", reason: `${from} was merged all at once` };
  const slots = Math.max(1, Math.floor((now.getTime() - last) / median) + 1);
  return {
    kind: "merge-cadence",
    at: new Date(last + slots * median).toISOString(),
    from,
    medianIntervalSeconds: Math.round(median / 1000),
    basedOnMerges: times.length,
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
    cadenceOf: next.kind === "estimate" ? "releases" : "merges",
    basedOn: next.kind === "estimate" ? next.basedOnReleases : next.basedOnMerges,
  };
}

/** The earliest of several ETAs with a time, else the first (unknown) one. */
export function earliestEta(etas: readonly Eta[]): Eta | null {
  const timed = etas.flatMap((e) => (e.kind === "unknown" ? [] : [e]));
  timed.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return timed[0] ?? etas[0] ?? null;
}
