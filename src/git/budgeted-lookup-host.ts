import { AppError, RetryLaterError } from "../errors.ts";
import type { GitHost } from "./git-host.ts";
import { GitHubApiError } from "./github-errors.ts";
import type { LookupBudget } from "./lookup-budget.ts";

/** The reads a "has my PR landed?" lookup makes; lookups never write. */
export type LookupHost = Pick<
  GitHost,
  "branchHead" | "commit" | "compare" | "pull" | "pullsForCommit" | "branchMerges" | "branchCommits"
>;

/**
 * `git` with every read passed through `guard` (a budget, an outage breaker, a per-pass cap): the
 * one place that lists the reads, so a read added to `LookupHost` cannot slip past a guard.
 */
export function guardEachRead(
  git: LookupHost,
  guard: <T>(read: () => Promise<T>) => Promise<T>,
): LookupHost {
  return {
    branchHead: (branch) => guard(() => git.branchHead(branch)),
    commit: (sha) => guard(() => git.commit(sha)),
    compare: (base, head, opts) => guard(() => git.compare(base, head, opts)),
    pull: (number) => guard(() => git.pull(number)),
    pullsForCommit: (sha) => guard(() => git.pullsForCommit(sha)),
    branchMerges: (from, into) => guard(() => git.branchMerges(from, into)),
    branchCommits: (branch) => guard(() => git.branchCommits(branch)),
  };
}

export const PAUSED_MESSAGE = "lookups paused to keep the channel updater running";

function refusal(budget: LookupBudget, perHour: number): () => void {
  const verdict = budget.take();
  if (verdict.kind === "granted") return verdict.done;
  const wait = verdict.retryAfterSeconds;
  if (verdict.kind === "budget-spent") {
    throw new RetryLaterError(
      "LOOKUP_BUDGET_SPENT",
      `lookups have used their ${perHour} GitHub requests an hour; try again in ${wait} s`,
      wait,
    );
  }
  throw new RetryLaterError(
    "LOOKUPS_PAUSED",
    `${PAUSED_MESSAGE} (GitHub's rate limit is nearly spent); try again in ${wait} s`,
    wait,
  );
}

/**
 * Every read first takes a request from the lookups' budget; refused, it throws `RetryLaterError`
 * without calling GitHub. A rate limit GitHub itself reports pauses lookups the same way.
 */
export function budgetedLookupHost(
  git: LookupHost,
  budget: LookupBudget,
  perHour: number,
): LookupHost {
  const guarded = async <T>(read: () => Promise<T>): Promise<T> => {
    const done = refusal(budget, perHour);
    try {
      return await read();
    } catch (err) {
      if (err instanceof GitHubApiError && err.code === "GITHUB_RATE_LIMITED") {
        const at = err.resetAt?.getTime() ?? Date.now() + 60_000;
        const wait = Math.max(1, Math.ceil((at - Date.now()) / 1000));
        throw new RetryLaterError(
          "LOOKUPS_PAUSED",
          `${PAUSED_MESSAGE} (GitHub's rate limit is spent); try again in ${wait} s`,
          wait,
        );
      }
      throw err;
    } finally {
      done();
    }
  };
  return guardEachRead(git, guarded);
}

/** GitHub could not find it (it answers 422 rather than 404 for some shas it cannot resolve). */
export function isNotFound(err: unknown): boolean {
  return err instanceof AppError && /^GITHUB_(NOT_FOUND|UNPROCESSABLE)$/.test(err.code);
}
