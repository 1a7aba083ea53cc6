import { Octokit } from "octokit";
import type { Logger } from "../log.ts";

export interface GitHubOctokitOptions {
  baseUrl: string;
  token?: string;
  userAgent: string;
  fetch?: typeof fetch;
  /** Per HTTP request; default 30 s. */
  timeoutMs?: number;
  /** Rate limits are waited out up to `maxWaitMs` (default 60 s), `maxRetries` times (default 2). */
  rateLimit?: { maxRetries?: number; maxWaitMs?: number };
}

let instances = 0;

/**
 * Octokit as floodgate uses it: a request timeout, logs through our `Logger`, and the throttling
 * plugin waiting out primary and secondary rate limits a bounded number of times. Its retry
 * plugin is off: 5xx and transport retries go through src/retry.ts.
 */
export function createGitHubOctokit(opts: GitHubOctokitOptions, logger: Logger): Octokit {
  const maxRetries = opts.rateLimit?.maxRetries ?? 2;
  const maxWaitMs = opts.rateLimit?.maxWaitMs ?? 60_000;
  const baseFetch = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const fetchWithTimeout: typeof fetch = (input, init) =>
    baseFetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
  const onLimit =
    (kind: string) =>
    (retryAfterSec: number, options: { method: string; url: string }, _: unknown, n: number) => {
      const willRetry = n < maxRetries && retryAfterSec * 1000 <= maxWaitMs;
      const { method, url } = options;
      logger.warn("github rate limited", {
        kind,
        method,
        url,
        retryAfterSec,
        attempt: n,
        willRetry,
      });
      return willRetry;
    };
  const to = (level: "debug" | "warn" | "error") => (message: string) =>
    logger[level]("octokit", { message });
  const log = { debug: to("debug"), info: to("debug"), warn: to("warn"), error: to("error") };
  return new Octokit({
    auth: opts.token,
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    userAgent: opts.userAgent,
    log,
    request: { fetch: fetchWithTimeout, log },
    retry: { enabled: false },
    throttle: {
      // The plugin's limiters are module-global; a distinct id gives each client its own queues.
      id: `floodgate-${++instances}`,
      onRateLimit: onLimit("primary"),
      onSecondaryRateLimit: onLimit("secondary"),
    },
  });
}
