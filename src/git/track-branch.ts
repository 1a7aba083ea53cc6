import type { Db } from "../db/client.ts";
import { branchHeads, commits } from "../db/schema.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { BranchHead, CommitInfo, GitHost } from "./git-host.ts";
import { latestBranchHead } from "./latest-branch-head.ts";

/** Commits recorded per observed move; nixpkgs master moves ~100 a day, a release branch far fewer. */
export const MAX_COMMITS_PER_MOVE = 1000;

export interface TrackBranchDeps {
  db: Db;
  git: GitHost;
  logger?: Logger;
}

/**
 * Reads a branch head; when it moved since the last observation, records every commit between the
 * two heads (committer time, first time and branch seen), then the new head. The head row is
 * written last, so a failure in between (rate limit, crash) repeats the whole step next tick.
 */
export async function trackBranch(
  deps: TrackBranchDeps,
  branch: string,
  now: Date,
  opts: { maxCommits?: number } = {},
): Promise<BranchHead | null> {
  const head = await deps.git.branchHead(branch);
  if (!head) return null;
  const last = await latestBranchHead(deps.db, branch);
  if (last?.sha === head.sha) return head;

  const between = last ? await commitsBetween(deps, branch, last.sha, head, opts) : [];
  const seen = [...between.filter((c) => c.sha !== head.sha), head].map((c) => ({
    sha: c.sha,
    committedAt: c.committedAt,
    firstSeenAt: now,
    firstSeenBranch: branch,
  }));
  // One statement per chunk keeps parameter counts far below Postgres's 65k limit.
  for (let i = 0; i < seen.length; i += 500) {
    await deps.db
      .insert(commits)
      .values(seen.slice(i, i + 500))
      .onConflictDoNothing();
  }
  await deps.db.insert(branchHeads).values({ branch, sha: head.sha, observedAt: now });
  return head;
}

async function commitsBetween(
  deps: TrackBranchDeps,
  branch: string,
  from: string,
  head: BranchHead,
  opts: { maxCommits?: number },
): Promise<CommitInfo[]> {
  const log = (deps.logger ?? silentLogger).child({ step: "track", branch });
  const max = opts.maxCommits ?? MAX_COMMITS_PER_MOVE;
  const cmp = await deps.git.compare(from, head.sha, { maxCommits: max });
  if (cmp.status === "behind" || cmp.status === "diverged") {
    log.warn("branch moved other than forward", {
      from,
      to: head.sha,
      status: cmp.status,
      aheadBy: cmp.aheadBy,
      behindBy: cmp.behindBy,
    });
  }
  if (cmp.aheadBy > cmp.commits.length) {
    log.warn("too many new commits to record; recording the oldest", {
      from,
      to: head.sha,
      aheadBy: cmp.aheadBy,
      recorded: cmp.commits.length,
    });
  }
  return cmp.commits;
}
