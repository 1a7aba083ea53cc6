import type { Ancestry } from "../domain/facts.ts";

export interface CommitInfo {
  sha: string;
  committedAt: Date;
}

export interface BranchHead extends CommitInfo {
  branch: string;
}

export interface Comparison {
  status: Ancestry;
  aheadBy: number;
  behindBy: number;
  /** Commits reachable from head but not base, oldest first (may be capped by the host). */
  commits: CommitInfo[];
}

export interface CompareOptions {
  /** List at most this many commits, oldest first; 0 when only the status matters. */
  maxCommits?: number;
}

export type FastForwardResult =
  | { kind: "updated"; sha: string }
  | { kind: "observe-only"; sha: string }
  | { kind: "not-fast-forward"; message: string };

export interface PullRequestInfo {
  number: number;
  title: string;
  state: "open" | "closed";
  mergedAt: Date | null;
  mergeCommitSha: string | null;
  baseRef: string;
  /** The page a person opens (`html_url`). */
  url: string;
}

/** nixpkgs on a git host. Implementations throw `UpstreamError` on transport/API failures. */
export interface GitHost {
  /** Head of a branch, or null when the branch does not exist. */
  branchHead(branch: string): Promise<BranchHead | null>;
  /** A commit by full sha or unambiguous prefix (the answer has the full sha). */
  commit(sha: string): Promise<CommitInfo>;
  compare(base: string, head: string, opts?: CompareOptions): Promise<Comparison>;
  /** Moves `branch` to `sha` only if that is a fast-forward; never forces. */
  fastForward(branch: string, sha: string): Promise<FastForwardResult>;
  /** A pull request by number, or null when there is none. */
  pull(number: number): Promise<PullRequestInfo | null>;
  /** The pull requests that brought a commit (GitHub's `commits/{sha}/pulls`). */
  pullsForCommit(sha: string): Promise<PullRequestInfo[]>;
  /**
   * When branch `from` was merged into `into` by pull request, from the newest 30 closed PRs with
   * that head and base (one request): the history an ETA for the next such merge rests on.
   */
  branchMerges(from: string, into: string): Promise<BranchMerge[]>;
  /**
   * The newest 100 commits of a branch's history, newest first (GitHub's `commits?sha=`, one
   * request): where merges pushed by hand (staging into staging-next) show, having no PR.
   */
  branchCommits(branch: string): Promise<HistoryCommit[]>;
}

/** A commit as a branch's history lists it: enough to tell a merge and what it says it merged. */
export interface HistoryCommit extends CommitInfo {
  message: string;
  parentCount: number;
}

export interface BranchMerge {
  number: number;
  mergedAt: Date;
}
