import type { Db } from "../db/client.ts";
import { commitPulls, type PullRequestRow, pullRequests, releaseCommits } from "../db/schema.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { PullRequestInfo } from "./git-host.ts";

/**
 * What a public lookup learned from GitHub, kept for the next lookup. The GET that learned it
 * answers without waiting: writes run afterwards, one at a time, and a failed one is only logged
 * (it costs one more GitHub read later, never an answer).
 */
export interface LookupWrites {
  /** A published release is the first of its channel to contain `sha`. */
  landing(releaseId: number, sha: string): void;
  /** Pull requests as GitHub answered them at `fetchedAt`. */
  pulls(rows: PullRequestRow[]): void;
  /** The PRs that carried `sha` (an empty list is remembered too). */
  commitPulls(sha: string, numbers: number[]): void;
  /** Resolves once every write queued so far has run: before closing the database, in tests. */
  settled(): Promise<void>;
}

// GitHub numbers pull requests from 1; this row says "asked, and no PR carried the commit".
export const NO_PULLS = 0;

export function pullRow(p: PullRequestInfo, fetchedAt: Date): PullRequestRow {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    baseRef: p.baseRef,
    mergeCommitSha: p.mergeCommitSha,
    mergedAt: p.mergedAt,
    url: p.url,
    fetchedAt,
  };
}

/** Writes to `db` through a queue that never holds up or fails the request that filled it. */
export function queuedLookupWrites(db: Db, logger: Logger): LookupWrites {
  let tail: Promise<void> = Promise.resolve();
  const enqueue = (what: string, write: () => Promise<unknown>) => {
    tail = tail.then(write).then(
      () => undefined,
      (err: unknown) => logger.warn("lookup write failed", { what, error: errorMessage(err) }),
    );
  };
  return {
    landing(releaseId, sha) {
      enqueue("landing", () =>
        db.insert(releaseCommits).values({ releaseId, sha }).onConflictDoNothing(),
      );
    },
    pulls(rows) {
      enqueue("pulls", async () => {
        for (const row of rows) {
          await db
            .insert(pullRequests)
            .values(row)
            .onConflictDoUpdate({ target: pullRequests.number, set: row });
        }
      });
    },
    commitPulls(sha, numbers) {
      const links = (numbers.length > 0 ? numbers : [NO_PULLS]).map((number) => ({ sha, number }));
      enqueue("commit pulls", () => db.insert(commitPulls).values(links).onConflictDoNothing());
    },
    settled: () => tail,
  };
}
