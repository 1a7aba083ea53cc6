/** Makes the next `times` requests whose path (with query) matches answer differently. */
export interface GitHubFaultRule {
  path: RegExp;
  method?: string;
  /** How many matching requests the fault takes; default 1. */
  times?: number;
  /** Wait this long first; with no `status` the request is then served normally. */
  delayMs?: number;
  /** Runs when the fault fires, before the request is served (e.g. someone else pushes). */
  onMatch?: () => void;
  status?: number;
  /** Objects are sent as JSON. */
  body?: string | object;
  headers?: Record<string, string>;
}

export interface GitHubFault {
  readonly rule: GitHubFaultRule;
  remaining: number;
  hits: number;
}

export interface GitHubFaultList {
  add(rule: GitHubFaultRule): GitHubFault;
  clear(): void;
  readonly active: readonly GitHubFault[];
}

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

export function createFaultList(): GitHubFaultList {
  let active: GitHubFault[] = [];
  return {
    add(rule) {
      const fault: GitHubFault = { rule, remaining: rule.times ?? 1, hits: 0 };
      active.push(fault);
      return fault;
    },
    clear() {
      active = [];
    },
    get active() {
      return active.filter((f) => f.remaining > 0);
    },
  };
}

/** The first active fault for a request, consumed; undefined when none matches. */
export function takeFault(
  faults: GitHubFaultList,
  method: string,
  path: string,
): GitHubFault | undefined {
  const fault = faults.active.find(
    (f) => f.rule.path.test(path) && (!f.rule.method || f.rule.method.toUpperCase() === method),
  );
  if (fault) {
    fault.remaining--;
    fault.hits++;
  }
  return fault;
}
