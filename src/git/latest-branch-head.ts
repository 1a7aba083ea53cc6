import { and, desc, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { branchHeads } from "../db/schema.ts";

export interface ObservedHead {
  sha: string;
  observedAt: Date;
}

/**
 * The newest recorded head of `branch` (the `branch_heads_branch_observed` index serves it); with
 * `except`, the newest that is not that sha (the head seen before a release's own revision).
 */
export async function latestBranchHead(
  db: Db,
  branch: string,
  opts: { except?: string } = {},
): Promise<ObservedHead | null> {
  const onBranch = eq(branchHeads.branch, branch);
  const [row] = await db
    .select({ sha: branchHeads.sha, observedAt: branchHeads.observedAt })
    .from(branchHeads)
    .where(opts.except === undefined ? onBranch : and(onBranch, ne(branchHeads.sha, opts.except)))
    .orderBy(desc(branchHeads.observedAt), desc(branchHeads.id))
    .limit(1);
  return row ?? null;
}
