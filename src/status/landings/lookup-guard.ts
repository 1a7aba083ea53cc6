import type { LookupLimits } from "../../config/config.ts";
import { budgetedLookupHost, type LookupHost } from "../../git/budgeted-lookup-host.ts";
import { cachedLookupHost } from "../../git/cached-lookup-host.ts";
import { createLookupBudget, type LookupBudget } from "../../git/lookup-budget.ts";
import type { RateLimitState } from "../../git/rate-limit-watch.ts";
import { type Admission, createClientAllowance } from "./client-allowance.ts";
import { outageBreaker } from "./upstream-outage.ts";

/** What keeps public lookups from spending the tick's GitHub rate limit. */
export interface LookupGuard {
  /** GitHub reads for lookups: cached, single-flight, within the lookups' budget, held off in an outage. */
  git: LookupHost;
  /** Takes one lookup from a client's allowance, or says when to come back. */
  admit(client: string): Admission;
  limits: LookupLimits;
  budget: LookupBudget;
}

/**
 * Built once per process: the caches, the budget and the allowances live as long as it does.
 * `git` should be a host of its own (no retries, no waiting out rate limits: a lookup answers
 * "later" instead); `rateLimit` the newest view of the token's window, the tick's included.
 */
export function createLookupGuard(opts: {
  git: LookupHost;
  rateLimit: () => RateLimitState | null;
  limits: LookupLimits;
  now: () => number;
}): LookupGuard {
  const { limits, now } = opts;
  const budget = createLookupBudget(
    { perHour: limits.githubPerHour, reserve: limits.githubReserve },
    opts.rateLimit,
    now,
  );
  // Inside the cache, so concurrent reads of one key are one read; outside the budget, so reads
  // refused during an outage spend none of it.
  const budgeted = budgetedLookupHost(opts.git, budget, limits.githubPerHour);
  const git = cachedLookupHost(outageBreaker(budgeted, { now }), {
    maxEntries: limits.cacheSize,
    negativeTtlMs: limits.negativeTtlSeconds * 1000,
    now,
  });
  const admit = createClientAllowance({
    perMinute: limits.clientPerMinute,
    maxClients: limits.cacheSize,
    now,
  });
  return { git, admit, limits, budget };
}
