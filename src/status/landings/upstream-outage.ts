import { type AppError, RetryLaterError, UpstreamError } from "../../errors.ts";
import { guardEachRead, isNotFound, type LookupHost } from "../../git/budgeted-lookup-host.ts";

/** How long lookups stop asking GitHub after it failed them: short, so a recovery shows soon. */
export const OUTAGE_HOLD_MS = 10_000;

/**
 * GitHub could not answer a lookup (down, unreachable, rate limited, or the lookups' budget is
 * spent): the lookup answers from what floodgate recorded instead. Not "not found", which is an
 * answer, and not a client's own allowance, which refuses the whole request before any read.
 */
export function isUpstreamUnavailable(err: unknown): err is AppError {
  if (err instanceof RetryLaterError) return err.code !== "RATE_LIMITED";
  return err instanceof UpstreamError && !isNotFound(err);
}

const RETRY_CODES = ["RATE_LIMITED", "LOOKUP_BUDGET_SPENT", "LOOKUPS_PAUSED"] as const;

interface Outage {
  error: AppError;
  at: number;
  until: number;
}

/**
 * One outage costs one failing GitHub request, not one per lookup: after a read fails because
 * GitHub is unavailable, every lookup read fails at once with that error for `holdMs`; then one
 * read at a time probes GitHub (the others still fail at once) until one succeeds. What floodgate
 * already knows still answers (the caller degrades; see `partial` in commit-landing.ts).
 */
export function outageBreaker(
  git: LookupHost,
  opts: { holdMs?: number; now: () => number },
): LookupHost {
  const holdMs = opts.holdMs ?? OUTAGE_HOLD_MS;
  let outage: Outage | null = null;
  let probing = false;

  const remembered = (o: Outage, at: number): AppError => {
    const { error } = o;
    if (!(error instanceof RetryLaterError)) return error;
    // The wait counts from when it was said, not from the first refusal.
    const elapsed = Math.floor((at - o.at) / 1000);
    const wait = Math.max(1, error.retryAfterSeconds - elapsed);
    const code = RETRY_CODES.find((c) => c === error.code) ?? "LOOKUPS_PAUSED";
    return new RetryLaterError(code, error.message, wait);
  };

  const guarded = async <T>(read: () => Promise<T>): Promise<T> => {
    const at = opts.now();
    const known = outage;
    let probe = false;
    if (known) {
      if (at < known.until || probing) throw remembered(known, at);
      probing = true;
      probe = true;
    }
    try {
      const value = await read();
      if (probe) outage = null;
      return value;
    } catch (err) {
      if (isUpstreamUnavailable(err)) {
        const failedAt = opts.now();
        outage = { error: err, at: failedAt, until: failedAt + holdMs };
      } else if (probe) {
        outage = null; // GitHub answered (e.g. "not found"): it is back.
      }
      throw err;
    } finally {
      if (probe) probing = false;
    }
  };

  return guardEachRead(git, guarded);
}
