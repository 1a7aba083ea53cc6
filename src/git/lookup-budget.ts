import type { RateLimitState } from "./rate-limit-watch.ts";

export interface LookupBudgetLimits {
  /** GitHub requests lookups may make per hour window. */
  perHour: number;
  /** Lookups stop while GitHub's remaining limit (minus lookups in flight) is at or under this. */
  reserve: number;
}

export type BudgetVerdict =
  | { kind: "granted" /** Call when the request has been answered (or failed). */; done(): void }
  | { kind: "budget-spent"; retryAfterSeconds: number }
  | { kind: "reserve"; retryAfterSeconds: number };

export interface LookupBudget {
  /** Takes one GitHub request for a lookup, or says why not and for how long. */
  take(): BudgetVerdict;
  /** Spent in the current hour window, and in flight now (for logs and tests). */
  usage(): { spent: number; inFlight: number };
}

const HOUR_MS = 3_600_000;
const secondsUntil = (at: number, now: number) => Math.max(1, Math.ceil((at - now) / 1000));

/**
 * The lookups' share of GitHub: at most `perHour` requests per hour window (the window starts at
 * the first request after the previous one ended), and none while GitHub's own remaining count,
 * less the lookups still in flight, is within `reserve`: that part belongs to the tick.
 */
export function createLookupBudget(
  limits: LookupBudgetLimits,
  rateLimit: () => RateLimitState | null,
  now: () => number,
): LookupBudget {
  let windowStart = Number.NEGATIVE_INFINITY;
  let spent = 0;
  let inFlight = 0;
  return {
    take() {
      const at = now();
      if (at - windowStart >= HOUR_MS) {
        windowStart = at;
        spent = 0;
      }
      if (spent >= limits.perHour) {
        return { kind: "budget-spent", retryAfterSeconds: secondsUntil(windowStart + HOUR_MS, at) };
      }
      const github = rateLimit();
      // A window that has already reset says nothing about the new one: let the request find out.
      if (
        github &&
        github.resetAt.getTime() > at &&
        github.remaining - inFlight <= limits.reserve
      ) {
        return { kind: "reserve", retryAfterSeconds: secondsUntil(github.resetAt.getTime(), at) };
      }
      spent++;
      inFlight++;
      let finished = false;
      return {
        kind: "granted",
        done: () => {
          if (finished) return;
          finished = true;
          inFlight--;
        },
      };
    },
    usage: () => ({ spent, inFlight }),
  };
}

/** The newest of several views of one token's window: the latest reset, then the fewest left. */
export function newestRateLimit(states: (RateLimitState | null)[]): RateLimitState | null {
  let newest: RateLimitState | null = null;
  for (const s of states) {
    if (!s) continue;
    const later = newest === null || s.resetAt.getTime() > newest.resetAt.getTime();
    const same = newest !== null && s.resetAt.getTime() === newest.resetAt.getTime();
    if (later || (same && newest !== null && s.remaining < newest.remaining)) newest = s;
  }
  return newest;
}
