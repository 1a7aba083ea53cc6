import type { LookupHost } from "../../git/budgeted-lookup-host.ts";
import { type MergeHistory, MIN_MERGES_FOR_ETA } from "./branch-eta.ts";
import { pushedMerges } from "./pushed-merges.ts";

/**
 * How branch `from` has been merged into `into`: by pull requests with that head and base (one
 * request), else, when those are too few to estimate from, by merge commits pushed by hand, as
 * nixpkgs merges staging into staging-next (one more request: `into`'s newest 100 commits).
 * The source with more merges is the answer; both are cached an hour by the lookups' host.
 */
export async function mergeHistory(
  git: Pick<LookupHost, "branchMerges" | "branchCommits">,
  from: string,
  into: string,
): Promise<MergeHistory> {
  const byPull = (await git.branchMerges(from, into)).map((m) => m.mergedAt);
  if (byPull.length >= MIN_MERGES_FOR_ETA) return { source: "pull-requests", mergedAt: byPull };
  const pushed = pushedMerges(await git.branchCommits(into), from, into);
  if (pushed.length > byPull.length) return { source: "merge-commits", mergedAt: pushed };
  return {
    source: "pull-requests",
    mergedAt: byPull,
    alsoLooked: `and ${pushed.length} merge commit(s) among ${into}'s newest 100 commits`,
  };
}
