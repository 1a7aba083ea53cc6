import { ConfigError } from "../errors.ts";
import { sleep as realSleep } from "../retry.ts";

/** Grants request starts one at a time, at least `1000 / requestsPerSecond` ms apart. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

export interface RateLimiterOptions {
  requestsPerSecond: number;
  /** Milliseconds; injectable so tests can run on a fake clock. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Spacing, not a bucket: hydra.nixos.org's nginx (2 r/s per IP) delays and then refuses bursts, so an
 * even pace is the politest shape. Callers queue in arrival order; a grant records its own start time.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  if (!(opts.requestsPerSecond > 0)) {
    throw new ConfigError("requestsPerSecond must be a positive number", {
      requestsPerSecond: opts.requestsPerSecond,
    });
  }
  const intervalMs = 1000 / opts.requestsPerSecond;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  let nextStartMs = Number.NEGATIVE_INFINITY;
  let queue: Promise<void> = Promise.resolve();

  const grant = async () => {
    // Re-check after waking: timers may fire a little early, and the window must hold exactly.
    for (let waitMs = nextStartMs - now(); waitMs > 0; waitMs = nextStartMs - now()) {
      await sleep(Math.ceil(waitMs));
    }
    nextStartMs = now() + intervalMs;
  };

  return {
    acquire() {
      const turn = queue.then(grant);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** `Retry-After` as milliseconds to wait: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // HTTP dates always name a month; a bare number like "1.5.3" must not be read as one.
  const at = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
