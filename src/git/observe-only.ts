import type { Logger } from "../log.ts";
import { checkFastForward } from "./check-fast-forward.ts";
import type { GitHost } from "./git-host.ts";

/**
 * The host without write access (no GITHUB_TOKEN): reads go through, and a fast-forward is checked
 * exactly like a real one, then only logged.
 */
export function observeOnly(host: GitHost, logger: Logger): GitHost {
  return {
    branchHead: (branch) => host.branchHead(branch),
    commit: (sha) => host.commit(sha),
    compare: (base, head, opts) => host.compare(base, head, opts),
    pull: (number) => host.pull(number),
    pullsForCommit: (sha) => host.pullsForCommit(sha),
    branchMerges: (from, into) => host.branchMerges(from, into),
    branchCommits: (branch) => host.branchCommits(branch),
    async fastForward(branch, sha) {
      const check = await checkFastForward(host, branch, sha);
      if (check.kind === "refused") {
        logger.info("fast-forward refused", { branch, to: sha, reason: check.message });
        return { kind: "not-fast-forward", message: check.message };
      }
      if (check.kind === "identical") return { kind: "updated", sha };
      logger.info("would fast-forward", {
        branch,
        from: check.from,
        to: sha,
        aheadBy: check.aheadBy,
      });
      return { kind: "observe-only", sha };
    },
  };
}
