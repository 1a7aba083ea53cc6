import type { Fault, FaultList, FaultMatch } from "./fault-list.ts";

export { createFaultList } from "./fault-list.ts";

export interface GitHubFaultRule extends FaultMatch {
  /** Wait this long first; with no `status` the request is then served normally. */
  delayMs?: number;
  /** Wait until this settles first: a test lets the request through once it has set the scene. */
  holdUntil?: Promise<unknown>;
  /** Runs when the fault fires, before the request is served (e.g. someone else pushes). */
  onMatch?: () => void;
  status?: number;
  /** Objects are sent as JSON. */
  body?: string | object;
  headers?: Record<string, string>;
}

export type GitHubFault = Fault<GitHubFaultRule>;
export type GitHubFaultList = FaultList<GitHubFaultRule>;

export const GITHUB_DOCS = "https://docs.github.com/rest";

/** Ready-made fault answers that api.github.com gives (spread them into a `GitHubFaultRule`). */
export const githubFaults = {
  rateLimited: (resetAt: Date) => ({
    status: 403,
    headers: {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-used": "5000",
      "x-ratelimit-reset": String(Math.ceil(resetAt.getTime() / 1000)),
      "x-ratelimit-resource": "core",
    },
    body: {
      message: "API rate limit exceeded for user ID 1.",
      documentation_url: `${GITHUB_DOCS}/overview/rate-limits-for-the-rest-api`,
    },
  }),
  secondaryRateLimited: (retryAfterSec: number) => ({
    status: 403,
    headers: { "retry-after": String(retryAfterSec) },
    body: {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url: `${GITHUB_DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
    },
  }),
  serverError: { status: 500, body: { message: "Server Error" } },
  badGatewayHtml: {
    status: 502,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: "<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body>No server is currently available to service your request.</body></html>",
  },
} satisfies Record<string, Partial<GitHubFaultRule> | ((n: never) => Partial<GitHubFaultRule>)>;
