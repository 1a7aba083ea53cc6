import type { Octokit } from "octokit";
import type { Logger } from "../log.ts";

export interface RateLimitState {
  limit: number;
  remaining: number;
  resetAt: Date;
}

type Headers = Record<string, string | number | undefined>;

/** Keeps the newest `x-ratelimit-*` window and warns once when it drops under 10 %. */
export function watchRateLimit(octokit: Octokit, logger: Logger): () => RateLimitState | null {
  let state: RateLimitState | null = null;
  const note = (headers: Headers | undefined) => {
    const [limit = Number.NaN, remaining = Number.NaN, reset = Number.NaN] = [
      "limit",
      "remaining",
      "reset",
    ].map((k) => Number(headers?.[`x-ratelimit-${k}`] ?? Number.NaN));
    if (![limit, remaining, reset].every(Number.isFinite)) return;
    const wasLow = state !== null && state.remaining < state.limit * 0.1;
    state = { limit, remaining, resetAt: new Date(reset * 1000) };
    if (remaining < limit * 0.1 && !wasLow) {
      logger.warn("github rate limit low", { limit, remaining, resetAt: state.resetAt });
    }
  };
  octokit.hook.wrap("request", async (request, options) => {
    try {
      const response = await request(options);
      note(response.headers);
      return response;
    } catch (err) {
      if (typeof err === "object" && err !== null && "response" in err) {
        note((err.response as { headers?: Headers } | undefined)?.headers);
      }
      throw err;
    }
  });
  return () => state;
}
