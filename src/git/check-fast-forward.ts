import type { GitHost } from "./git-host.ts";
import { GitHubApiError } from "./github-errors.ts";

export type FastForwardCheck =
  | { kind: "fast-forward"; from: string; aheadBy: number }
  | { kind: "identical" }
  | { kind: "refused"; message: string };

const short = (sha: string) => sha.slice(0, 12);

/**
 * Whether moving `branch` to `sha` is a fast-forward, asked of the host before any push. Shared by
 * the real host and observe-only mode so both refuse exactly the same moves.
 */
export async function checkFastForward(
  git: Pick<GitHost, "branchHead" | "compare">,
  branch: string,
  sha: string,
): Promise<FastForwardCheck> {
  const head = await git.branchHead(branch);
  if (!head) {
    throw new GitHubApiError("GITHUB_NOT_FOUND", `branch ${branch} does not exist`, {
      retryable: false,
    });
  }
  if (head.sha === sha) return { kind: "identical" };
  const cmp = await git.compare(head.sha, sha);
  switch (cmp.status) {
    case "identical":
      return { kind: "identical" };
    case "ahead":
      return { kind: "fast-forward", from: head.sha, aheadBy: cmp.aheadBy };
    case "behind":
      return {
        kind: "refused",
        message: `${short(sha)} is ${cmp.behindBy} commit(s) behind ${branch} (${short(head.sha)}); a channel never moves backwards`,
      };
    case "diverged":
      return {
        kind: "refused",
        message: `${short(sha)} has diverged from ${branch} (${short(head.sha)}): ${cmp.aheadBy} ahead, ${cmp.behindBy} behind`,
      };
  }
}
