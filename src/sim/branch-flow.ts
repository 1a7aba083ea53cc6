import type { GitModel } from "./git-model.ts";
import { RELEASE } from "./sim-channels.ts";

/**
 * nixpkgs' branches as the simulator plays them: PRs merged into staging or a release branch,
 * staging merged into staging-next, staging-next into master, each by a merge commit, as people
 * do on GitHub. Channels then follow master or the release branch through Hydra and the tick.
 */

/** The development branches of both flows, created at master's head. */
export const FLOW_BRANCHES = [
  "staging",
  "staging-next",
  "haskell-updates",
  "python-updates",
  `release-${RELEASE}`,
  `staging-${RELEASE}`,
  `staging-next-${RELEASE}`,
];

/** A fresh nixpkgs: one commit, every flow branch and every channel branch at it. */
export function seedFlow(model: GitModel, channelBranches: readonly string[]): string {
  const seed = model.commit("master", "initial");
  for (const branch of [...FLOW_BRANCHES, ...channelBranches]) {
    if (model.branchHead(branch) === undefined) model.createBranch(branch, seed);
  }
  return seed;
}

/**
 * A contributor's PR against `base`: one commit on a topic branch, merged with a merge commit
 * (GitHub's merge button). Returns the merge commit, the PR's `merge_commit_sha`.
 */
export function mergePull(
  model: GitModel,
  pr: { number: number; title: string; base: string },
): string {
  const topic = `pr-${pr.number}`;
  model.createBranch(topic, model.branchHead(pr.base) ?? "");
  const work = model.commit(topic, pr.title);
  model.deleteBranch(topic);
  const merge = model.merge(pr.base, work, `Merge pull request #${pr.number}: ${pr.title}`);
  model.addPull({ number: pr.number, title: pr.title, mergeCommitSha: merge, baseRef: pr.base });
  return merge;
}

const BRANCH_PULLS_FROM = 900_000;

/**
 * How nixpkgs merges one branch into another: staging-next into master (and haskell-updates into
 * staging) through a pull request; anything into staging-next (staging, master, and their
 * release-branch twins) by a maintainer pushing a merge commit.
 */
export function mergedBy(into: string): "pull-request" | "push" {
  return /^staging-next(-\d+\.\d+)?$/.test(into) ? "push" : "pull-request";
}

/**
 * A branch merged into the next one (staging → staging-next, staging-next → master), by pull
 * request with that head and base or by a pushed merge commit saying so (`how`, by default as
 * nixpkgs does it): the history branch ETAs rest on.
 */
export function mergeBranch(
  model: GitModel,
  from: string,
  into: string,
  how: "pull-request" | "push" = mergedBy(into),
): string {
  const head = model.branchHead(from);
  if (head === undefined) throw new Error(`simulator: no branch ${from}`);
  if (how === "push") return model.merge(into, head, `Merge branch '${from}' into ${into}`);
  // Kept apart from the contributor PR numbers a scenario picks (5001, 5002, …).
  const number = Math.max(BRANCH_PULLS_FROM, model.nextPullNumber());
  const title = `Merge branch '${from}' into ${into}`;
  const merge = model.merge(into, head, `Merge pull request #${number} from NixOS/${from}`);
  model.addPull({ number, title, mergeCommitSha: merge, baseRef: into, headRef: from });
  return merge;
}
