import { and, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { commitPulls, type PullRequestRow, pullRequests } from "../db/schema.ts";
import type { GitHost, PullRequestInfo } from "./git-host.ts";

export interface CachedPullsDeps {
  db: Db;
  git: Pick<GitHost, "pull" | "pullsForCommit">;
}

/** An open PR may still merge: re-read it at most this often. A merged PR never changes. */
export const OPEN_PULL_TTL_MS = 10 * 60_000;
// GitHub numbers pull requests from 1; this row says "asked, and no PR carried the commit".
const NO_PULLS = 0;

async function store(db: Db, pulls: PullRequestInfo[], now: Date): Promise<void> {
  for (const p of pulls) {
    const row = {
      number: p.number,
      title: p.title,
      state: p.state,
      baseRef: p.baseRef,
      mergeCommitSha: p.mergeCommitSha,
      mergedAt: p.mergedAt,
      url: p.url,
      fetchedAt: now,
    };
    await db
      .insert(pullRequests)
      .values(row)
      .onConflictDoUpdate({ target: pullRequests.number, set: row });
  }
}

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
  await store(deps.db, [pull], now);
  if (pull.mergeCommitSha && pull.mergedAt) {
    await deps.db
      .insert(commitPulls)
      .values({ sha: pull.mergeCommitSha, number })
      .onConflictDoNothing();
  }
  const [row] = await deps.db.select().from(pullRequests).where(eq(pullRequests.number, number));
  return row ?? null;
}

/** The pull requests that carried a commit, asked of the host once and then read from the cache. */
export async function cachedPullsForCommit(
  deps: CachedPullsDeps,
  sha: string,
  now: Date,
): Promise<PullRequestRow[]> {
  const links = await deps.db
    .select({ number: commitPulls.number })
    .from(commitPulls)
    .where(eq(commitPulls.sha, sha));
  if (links.length === 0) {
    const pulls = await deps.git.pullsForCommit(sha);
    await store(deps.db, pulls, now);
    const numbers = pulls.length > 0 ? pulls.map((p) => p.number) : [NO_PULLS];
    await deps.db
      .insert(commitPulls)
      .values(numbers.map((number) => ({ sha, number })))
      .onConflictDoNothing();
  }
  return deps.db
    .select({ pull: pullRequests })
    .from(commitPulls)
    .innerJoin(pullRequests, eq(pullRequests.number, commitPulls.number))
    .where(and(eq(commitPulls.sha, sha), ne(commitPulls.number, NO_PULLS)))
    .orderBy(pullRequests.number)
    .then((rows) => rows.map((r) => r.pull));
}
