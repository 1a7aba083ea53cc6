import { createHash } from "node:crypto";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sleep } from "../retry.ts";
import { type GitCommit, GitModel, type PullRequest } from "./git-model.ts";
import { serveOnLoopback } from "./serve.node.ts";

export interface RecordedGitHubRequest {
  method: string;
  /** Path with its query string, as sent (percent-encoding kept). */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body (raw text when it is not JSON), null without one. */
  body: unknown;
  /** Wall-clock ms (Date.now()). */
  at: number;
  /** Status answered, once answered. */
  status?: number;
}

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

/** A rate-limit window like GitHub's `core` resource; `reset` is epoch seconds. */
export interface RateLimitBucket {
  limit: number;
  used: number;
  reset: number;
}

export interface FakeGitHub {
  url: string;
  model: GitModel;
  requests: RecordedGitHubRequest[];
  faults: GitHubFaultList;
  rateLimits: { authenticated: RateLimitBucket; anonymous: RateLimitBucket };
  close(): Promise<void>;
}

export interface FakeGitHubOptions {
  port?: number;
  /** Clock of the model's commit times (ignored when `model` is given). */
  now?: () => Date;
  model?: GitModel;
  /** The only token accepted; default: any token. */
  token?: string;
  /** Requests per hour; GitHub's defaults are 5000 with a token and 60 without. */
  rateLimit?: { authenticated?: number; anonymous?: number };
}

const DOCS = "https://docs.github.com/rest";
const JSON_TYPE = "application/json; charset=utf-8";

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
      documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
    },
  }),
  secondaryRateLimited: (retryAfterSec: number) => ({
    status: 403,
    headers: { "retry-after": String(retryAfterSec) },
    body: {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
    },
  }),
  serverError: { status: 500, body: { message: "Server Error" } },
  badGatewayHtml: {
    status: 502,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: "<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body>No server is currently available to service your request.</body></html>",
  },
} satisfies Record<string, Partial<GitHubFaultRule> | ((n: never) => Partial<GitHubFaultRule>)>;

/** A fake api.github.com on 127.0.0.1 speaking GitHub's REST wire format for one repository. */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const model = opts.model ?? new GitModel({ now: opts.now });
  const requests: RecordedGitHubRequest[] = [];
  const faults = createFaultList();
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
  const rateLimits = {
    authenticated: { limit: opts.rateLimit?.authenticated ?? 5000, used: 0, reset: inAnHour() },
    anonymous: { limit: opts.rateLimit?.anonymous ?? 60, used: 0, reset: inAnHour() },
  };
  const app = createFakeGitHubApp({ model, requests, faults, rateLimits, token: opts.token });
  const server = await serveOnLoopback(app, opts.port);
  return { url: server.url, model, requests, faults, rateLimits, close: () => server.close() };
}

function createFaultList(): GitHubFaultList {
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

// safe because every status answered here carries a body
const withBody = (status: number) => status as ContentfulStatusCode;
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const weakless = (tag: string) => tag.trim().replace(/^W\//, "");

function rateHeaders(bucket: RateLimitBucket): Record<string, string> {
  return {
    "x-ratelimit-limit": String(bucket.limit),
    "x-ratelimit-remaining": String(Math.max(0, bucket.limit - bucket.used)),
    "x-ratelimit-reset": String(bucket.reset),
    "x-ratelimit-used": String(bucket.used),
    "x-ratelimit-resource": "core",
  };
}

/** Path segments after `/repos/:owner/:repo/<first>/`, percent-decoded, joined with `/`. */
function tail(c: Context, skip: number): string {
  const parts = new URL(c.req.url).pathname.split("/").slice(skip);
  return parts.map((p) => decodeURIComponent(p)).join("/");
}

function createFakeGitHubApp(state: {
  model: GitModel;
  requests: RecordedGitHubRequest[];
  faults: GitHubFaultList;
  rateLimits: FakeGitHub["rateLimits"];
  token?: string;
}): Hono {
  const { model, requests, faults, rateLimits } = state;
  const app = new Hono();
  const api = (c: Context) => `${new URL(c.req.url).origin}/repos/${model.repo}`;
  const tokenOf = (c: Context) =>
    /^(?:token|bearer)\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  const bucketOf = (c: Context) => {
    const bucket = tokenOf(c) ? rateLimits.authenticated : rateLimits.anonymous;
    if (Date.now() / 1000 >= bucket.reset) {
      bucket.used = 0;
      bucket.reset = Math.floor(Date.now() / 1000) + 3600;
    }
    return bucket;
  };

  // Like GitHub: GETs carry a weak ETag; a 304 is free only for authenticated requests.
  const reply = (c: Context, status: number, data: unknown, extra: Record<string, string> = {}) => {
    const bucket = bucketOf(c);
    const body = JSON.stringify(data);
    const headers: Record<string, string> = { "content-type": JSON_TYPE, ...extra };
    if (c.req.method === "GET" && status === 200) {
      headers.etag = `W/"${sha1(body)}"`;
      headers["cache-control"] = "private, max-age=60, s-maxage=60";
      const wanted = (c.req.header("if-none-match") ?? "").split(",").map(weakless);
      if (wanted.includes(weakless(headers.etag)) || wanted.includes("*")) {
        if (!tokenOf(c)) bucket.used++;
        const { "content-type": _, ...notModified } = headers;
        return c.body(null, 304, { ...rateHeaders(bucket), ...notModified });
      }
    }
    bucket.used++;
    return c.body(body, withBody(status), { ...rateHeaders(bucket), ...headers });
  };
  const notFound = (c: Context) =>
    reply(c, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  const unprocessable = (c: Context, message: string) =>
    reply(c, 422, {
      message,
      documentation_url: `${DOCS}/git/refs#update-a-reference`,
      status: "422",
    });

  const commitJson = (c: Context, commit: GitCommit) => {
    const person = { ...commit.author, date: commit.committedAt.toISOString() };
    return {
      sha: commit.sha,
      node_id: `C_kwDO${commit.sha.slice(0, 24)}`,
      commit: {
        author: person,
        committer: person,
        message: commit.message,
        tree: { sha: commit.sha.split("").reverse().join(""), url: `${api(c)}/git/trees/x` },
        url: `${api(c)}/git/commits/${commit.sha}`,
        comment_count: 0,
        verification: { verified: false, reason: "unsigned", signature: null, payload: null },
      },
      url: `${api(c)}/commits/${commit.sha}`,
      html_url: `https://github.com/${model.repo}/commit/${commit.sha}`,
      author: null,
      committer: null,
      parents: commit.parents.map((sha) => ({ sha, url: `${api(c)}/commits/${sha}` })),
    };
  };
  const refJson = (c: Context, branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    node_id: `REF_${sha.slice(0, 16)}`,
    url: `${api(c)}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${api(c)}/git/commits/${sha}` },
  });
  const pullJson = (c: Context, p: PullRequest) => ({
    url: `${api(c)}/pulls/${p.number}`,
    id: 100_000 + p.number,
    number: p.number,
    html_url: `https://github.com/${model.repo}/pull/${p.number}`,
    state: p.state,
    title: p.title,
    merged: p.mergedAt !== null,
    merged_at: p.mergedAt?.toISOString() ?? null,
    merge_commit_sha: p.mergeCommitSha,
    base: { label: `NixOS:${p.baseRef}`, ref: p.baseRef, sha: model.branchHead(p.baseRef) ?? null },
  });

  const deny = (c: Context, method: string): Response | undefined => {
    const token = tokenOf(c);
    const badCredentials =
      (c.req.header("authorization") !== undefined && !token) ||
      (token !== undefined && state.token !== undefined && token !== state.token);
    if (badCredentials || (!token && method !== "GET")) {
      const message = badCredentials ? "Bad credentials" : "Requires authentication";
      return reply(c, 401, { message, documentation_url: DOCS, status: "401" });
    }
    const bucket = bucketOf(c);
    if (bucket.used < bucket.limit) return undefined;
    const message = `API rate limit exceeded for ${token ? "user ID 1" : "127.0.0.1"}.`;
    const body = { message, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api` };
    return c.body(JSON.stringify(body), 403, { "content-type": JSON_TYPE, ...rateHeaders(bucket) });
  };

  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const path = url.pathname + url.search;
    const text = c.req.method === "GET" ? "" : await c.req.text();
    const entry: RecordedGitHubRequest = {
      method: c.req.method,
      path,
      headers: c.req.header(),
      body: text ? parseJsonOrText(text) : null,
      at: Date.now(),
    };
    requests.push(entry);
    const method = c.req.method.toUpperCase();
    const fault = faults.active.find(
      (f) => f.rule.path.test(path) && (!f.rule.method || f.rule.method.toUpperCase() === method),
    );
    if (fault) {
      fault.remaining--;
      fault.hits++;
      if (fault.rule.delayMs) await sleep(fault.rule.delayMs);
      fault.rule.onMatch?.();
      if (fault.rule.status !== undefined) {
        const { body = "", headers = {} } = fault.rule;
        const isJson = typeof body === "object";
        entry.status = fault.rule.status;
        return c.body(isJson ? JSON.stringify(body) : body, withBody(fault.rule.status), {
          "content-type": isJson ? JSON_TYPE : "text/plain; charset=utf-8",
          ...rateHeaders(bucketOf(c)),
          ...headers,
        });
      }
    }
    const denied = deny(c, method);
    if (denied) {
      entry.status = denied.status;
      return denied;
    }
    await next();
    entry.status = c.res.status;
  });

  app.use("/repos/:owner/:repo/*", async (c, next) => {
    const full = `${c.req.param("owner")}/${c.req.param("repo")}`;
    if (full.toLowerCase() !== model.repo.toLowerCase()) return notFound(c);
    await next();
  });

  app.get("/repos/:owner/:repo/branches/*", (c) => {
    const branch = tail(c, 5);
    const sha = model.branchHead(branch);
    const commit = sha === undefined ? undefined : model.getCommit(sha);
    if (!commit) return reply(c, 404, { message: "Branch not found", documentation_url: DOCS });
    return reply(c, 200, {
      name: branch,
      commit: commitJson(c, commit),
      _links: {
        self: `${api(c)}/branches/${branch}`,
        html: `https://github.com/${model.repo}/tree/${branch}`,
      },
      protected: false,
      protection_url: `${api(c)}/branches/${branch}/protection`,
    });
  });

  app.get("/repos/:owner/:repo/git/ref/*", (c) => {
    const ref = tail(c, 6);
    const branch = ref.startsWith("heads/") ? ref.slice("heads/".length) : undefined;
    const sha = branch === undefined ? undefined : model.branchHead(branch);
    if (branch === undefined || sha === undefined) return notFound(c);
    return reply(c, 200, refJson(c, branch, sha));
  });

  app.patch("/repos/:owner/:repo/git/refs/*", async (c) => {
    const ref = tail(c, 6);
    const branch = ref.startsWith("heads/") ? ref.slice("heads/".length) : undefined;
    const body: unknown = await c.req.json().catch(() => null);
    const { sha, force } = (typeof body === "object" && body !== null ? body : {}) as {
      sha?: unknown;
      force?: unknown;
    };
    if (typeof sha !== "string")
      return unprocessable(c, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    const current = branch === undefined ? undefined : model.branchHead(branch);
    if (branch === undefined || current === undefined) {
      return unprocessable(c, "Reference does not exist");
    }
    if (!model.getCommit(sha)) return unprocessable(c, "Object does not exist");
    if (force !== true && !model.isAncestor(current, sha)) {
      return unprocessable(c, "Update is not a fast forward");
    }
    model.setBranch(branch, sha);
    return reply(c, 200, refJson(c, branch, sha));
  });

  app.get("/repos/:owner/:repo/commits/:ref/pulls", (c) => {
    const sha = model.resolve(tail(c, 5).replace(/\/pulls$/, ""));
    if (sha === undefined) return notFound(c);
    return reply(
      c,
      200,
      model.pullsForCommit(sha).map((p) => pullJson(c, p)),
    );
  });

  app.get("/repos/:owner/:repo/commits/*", (c) => {
    const sha = model.resolve(tail(c, 5));
    const commit = sha === undefined ? undefined : model.getCommit(sha);
    if (!commit) return notFound(c);
    const stats = { total: 0, additions: 0, deletions: 0 };
    return reply(c, 200, { ...commitJson(c, commit), stats, files: [] });
  });

  app.get("/repos/:owner/:repo/compare/*", (c) => {
    const basehead = tail(c, 5);
    const [baseRef = "", headRef = ""] = basehead.split("...");
    const base = model.resolve(baseRef);
    const head = model.resolve(headRef);
    const baseCommit = base === undefined ? undefined : model.getCommit(base);
    if (base === undefined || head === undefined || !baseCommit) return notFound(c);
    const cmp = model.compare(base, head);
    const mergeBase = cmp.merge_base === null ? undefined : model.getCommit(cmp.merge_base);
    const perPage = clamp(Number(c.req.query("per_page") ?? 250), 1, 250);
    const lastPage = Math.max(1, Math.ceil(cmp.commits.length / perPage));
    const page = clamp(Number(c.req.query("page") ?? 1), 1, Number.MAX_SAFE_INTEGER);
    const pageUrl = (n: number) =>
      `<${api(c)}/compare/${encodeURIComponent(basehead)}?per_page=${perPage}&page=${n}>`;
    const links = [
      ...(page < lastPage
        ? [`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(lastPage)}; rel="last"`]
        : []),
      ...(page > 1 ? [`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`] : []),
    ];
    return reply(
      c,
      200,
      {
        url: `${api(c)}/compare/${basehead}`,
        html_url: `https://github.com/${model.repo}/compare/${basehead}`,
        base_commit: commitJson(c, baseCommit),
        merge_base_commit: mergeBase ? commitJson(c, mergeBase) : null,
        status: cmp.status,
        ahead_by: cmp.ahead_by,
        behind_by: cmp.behind_by,
        total_commits: cmp.ahead_by,
        commits: cmp.commits
          .slice((page - 1) * perPage, page * perPage)
          .map((x) => commitJson(c, x)),
        files: [],
      },
      links.length > 0 ? { link: links.join(", ") } : {},
    );
  });

  app.get("/repos/:owner/:repo/pulls/:number", (c) => {
    const n = c.req.param("number");
    const pull = /^\d+$/.test(n) ? model.pull(Number(n)) : undefined;
    return pull ? reply(c, 200, pullJson(c, pull)) : notFound(c);
  });

  app.notFound((c) => notFound(c));
  return app;
}

function clamp(n: number, min: number, max: number): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.trunc(n))) : min;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
