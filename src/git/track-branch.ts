import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { branchHeads, commits } from "../db/schema.ts";
import type { BranchHead, GitHost } from "./git-host.ts";

/** Reads a branch head and records it (and its commit) when it changed since the last observation. */
export async function trackBranch(
  deps: { db: Db; git: GitHost },
  branch: string,
  now: Date,
): Promise<BranchHead | null> {
  const head = await deps.git.branchHead(branch);
  if (!head) return null;
  const [last] = await deps.db
    .select({ sha: branchHeads.sha })
    .from(branchHeads)
    .where(eq(branchHeads.branch, branch))
    .orderBy(desc(branchHeads.observedAt), desc(branchHeads.id))
    .limit(1);
  if (last?.sha !== head.sha) {
    await deps.db.insert(branchHeads).values({ branch, sha: head.sha, observedAt: now });
    await deps.db
      .insert(commits)
      .values({
        sha: head.sha,
        committedAt: head.committedAt,
        firstSeenAt: now,
        firstSeenBranch: branch,
      })
      .onConflictDoNothing();
  }
  return head;
}
