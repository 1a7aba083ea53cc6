import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { commitPulls, type PullRequestRow, pullRequests } from "../db/schema.ts";
import type { GitHost } from "./git-host.ts";
import { type LookupWrites, NO_PULLS, pullRow } from "./lookup-writes.ts";

export interface CachedPullsDeps {
  db: Db;
  git: Pick<GitHost, "pull" | "pullsForCommit">;
  /** Where what GitHub answered is kept, after the answer (lookups never write on a GET). */
  lookupWrites: LookupWrites;
}

/** An open PR may still merge: re-read it at most this often. A merged PR never changes. */
export const OPEN_PULL_TTL_MS = 10 * 60_000;

/** A pull request, from the cache when it cannot have changed, else from the host (then cached). */
export async function cachedPull(
  deps: CachedPullsDeps,
  number: number,
  now: Date,
): Promise<PullRequestRow | null> {
  const [known] = await deps.db.select().from(pullRequests).where(eq(pullRequests.number, number));
  const fresh =
    known &&
    (known.mergedAt !== null || now.getTime() - known.fetchedAt.getTime() < OPEN_PULL_TTL_MS);
  if (known && fresh) return known;
  const pull = await deps.git.pull(number);
  if (!pull) return null;
  const row = pullRow(pull, now);
  deps.lookupWrites.pulls([row]);
  if (pull.mergeCommitSha && pull.mergedAt) {
    deps.lookupWrites.commitPulls(pull.mergeCommitSha, [number]);
  }
  return row;
}

/**
 * The pull requests that carried a commit, asked of the host once and then read from the cache:
 * links and PRs in one query (a link to no PR, or to one not cached, joins nothing).
 */
export async function cachedPullsForCommit(
  deps: CachedPullsDeps,
  sha: string,
  now: Date,
): Promise<PullRequestRow[]> {
  const links = await deps.db
    .select({ number: commitPulls.number, pull: pullRequests })
    .from(commitPulls)
    .leftJoin(pullRequests, eq(pullRequests.number, commitPulls.number))
    .where(eq(commitPulls.sha, sha))
    .orderBy(commitPulls.number);
  if (links.length === 0) {
    const rows = (await deps.git.pullsForCommit(sha)).map((p) => pullRow(p, now));
    deps.lookupWrites.pulls(rows);
    deps.lookupWrites.commitPulls(
      sha,
      rows.map((r) => r.number),
    );
    return rows.sort((a, b) => a.number - b.number);
  }
  return links.flatMap((link) => (link.pull && link.number !== NO_PULLS ? [link.pull] : []));
}
