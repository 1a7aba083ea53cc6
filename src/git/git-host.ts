export interface CommitInfo {
  sha: string;
  committedAt: Date;
}

export interface BranchHead extends CommitInfo {
  branch: string;
}

/** How `head` relates to `base`, as GitHub's compare API reports it. */
export type Ancestry = "ahead" | "behind" | "identical" | "diverged";

export interface Comparison {
  status: Ancestry;
  aheadBy: number;
  behindBy: number;
  /** Commits reachable from head but not base, oldest first (may be capped by the host). */
  commits: CommitInfo[];
}

export type FastForwardResult =
  | { kind: "updated"; sha: string }
  | { kind: "observe-only"; sha: string }
  | { kind: "not-fast-forward"; message: string };

/** nixpkgs on a git host. Implementations throw `UpstreamError` on transport/API failures. */
export interface GitHost {
  /** Head of a branch, or null when the branch does not exist. */
  branchHead(branch: string): Promise<BranchHead | null>;
  commit(sha: string): Promise<CommitInfo>;
  compare(base: string, head: string): Promise<Comparison>;
  /** Moves `branch` to `sha` only if that is a fast-forward; never forces. */
  fastForward(branch: string, sha: string): Promise<FastForwardResult>;
}
