import { createHash } from "node:crypto";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sleep } from "../retry.ts";
import type { Chaos } from "./chaos.ts";
import { chaosMiddleware } from "./chaos-middleware.node.ts";
import { GitModel } from "./git-model.ts";
import {
  createFaultList,
  GITHUB_DOCS,
  type GitHubFaultList,
  type GitHubFaultRule,
  githubFaults,
} from "./github-faults.ts";
import {
  commitJson,
  compareJson,
  issueJson,
  type JsonContext,
  pullJson,
  type RateLimitBucket,
  rateHeaders,
  refJson,
} from "./github-json.ts";
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
  /** Random faults on top of the scripted ones (src/sim/chaos.ts). */
  chaos?: Chaos;
  /** Branches chaos never force-pushes (the source branches its ground truth is read from). */
  protectedBranches?: string[];
}

const JSON_TYPE = "application/json; charset=utf-8";

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
  const app = createFakeGitHubApp({
    model,
    requests,
    faults,
    rateLimits,
    token: opts.token,
    chaos: opts.chaos,
    protectedBranches: opts.protectedBranches ?? [],
  });
  const server = await serveOnLoopback(app, opts.port);
  return { url: server.url, model, requests, faults, rateLimits, close: () => server.close() };
}

// safe because every status answered here carries a body
const withBody = (status: number) => status as ContentfulStatusCode;
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const weakless = (tag: string) => tag.trim().replace(/^W\//, "");

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
  chaos?: Chaos;
  protectedBranches: string[];
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
    reply(c, 404, { message: "Not Found", documentation_url: GITHUB_DOCS, status: "404" });
  const unprocessable = (c: Context, message: string) =>
    reply(c, 422, {
      message,
      documentation_url: `${GITHUB_DOCS}/git/refs#update-a-reference`,
      status: "422",
    });

  const json = (c: Context): JsonContext => ({ api: api(c), repo: model.repo });

  const deny = (c: Context, method: string): Response | undefined => {
    const token = tokenOf(c);
    const badCredentials =
      (c.req.header("authorization") !== undefined && !token) ||
      (token !== undefined && state.token !== undefined && token !== state.token);
    if (badCredentials || (!token && method !== "GET")) {
      const message = badCredentials ? "Bad credentials" : "Requires authentication";
      return reply(c, 401, { message, documentation_url: GITHUB_DOCS, status: "401" });
    }
    const bucket = bucketOf(c);
    if (bucket.used < bucket.limit) return undefined;
    const message = `API rate limit exceeded for ${token ? "user ID 1" : "127.0.0.1"}.`;
    const body = {
      message,
      documentation_url: `${GITHUB_DOCS}/overview/rate-limits-for-the-rest-api`,
    };
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
    const fault = faults.take(method, path);
    if (fault) {
      if (fault.rule.delayMs) await sleep(fault.rule.delayMs);
      await fault.rule.holdUntil;
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

  app.use(chaosMiddleware(state.chaos, "github", chaosHooks(model, state.protectedBranches)));

  app.use("/repos/:owner/:repo/*", async (c, next) => {
    const full = `${c.req.param("owner")}/${c.req.param("repo")}`;
    if (full.toLowerCase() !== model.repo.toLowerCase()) return notFound(c);
    await next();
  });

  app.get("/repos/:owner/:repo/branches/*", (c) => {
    const branch = tail(c, 5);
    const sha = model.branchHead(branch);
    const commit = sha === undefined ? undefined : model.getCommit(sha);
    if (!commit)
      return reply(c, 404, { message: "Branch not found", documentation_url: GITHUB_DOCS });
    return reply(c, 200, {
      name: branch,
      commit: commitJson(json(c), commit),
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
    return reply(c, 200, refJson(json(c), branch, sha));
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
    return reply(c, 200, refJson(json(c), branch, sha));
  });

  // A branch's history, newest first; only the first page (floodgate reads no more).
  app.get("/repos/:owner/:repo/commits", (c) => {
    const sha = model.resolve(c.req.query("sha") ?? "master");
    if (sha === undefined) return notFound(c);
    const perPage = Math.min(100, Number(c.req.query("per_page") ?? 30) || 30);
    return reply(
      c,
      200,
      model.log(sha, perPage).map((commit) => commitJson(json(c), commit)),
    );
  });

  app.get("/repos/:owner/:repo/commits/:ref/pulls", (c) => {
    const sha = model.resolve(tail(c, 5).replace(/\/pulls$/, ""));
    if (sha === undefined) return notFound(c);
    return reply(
      c,
      200,
      model.pullsForCommit(sha).map((p) => pullJson(json(c), model, p)),
    );
  });

  app.get("/repos/:owner/:repo/commits/*", (c) => {
    const sha = model.resolve(tail(c, 5));
    const commit = sha === undefined ? undefined : model.getCommit(sha);
    if (!commit) return notFound(c);
    const stats = { total: 0, additions: 0, deletions: 0 };
    return reply(c, 200, { ...commitJson(json(c), commit), stats, files: [] });
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
    const { body, link } = compareJson(
      json(c),
      basehead,
      cmp,
      { base: baseCommit, mergeBase },
      { page: c.req.query("page"), perPage: c.req.query("per_page") },
    );
    return reply(c, 200, body, link ? { link } : {});
  });

  // GitHub's issue list: `labels` is comma-separated and all must match; `state` defaults to open.
  app.get("/repos/:owner/:repo/issues", (c) => {
    const state = c.req.query("state") ?? "open";
    if (state !== "open" && state !== "closed" && state !== "all") return notFound(c);
    const labels = (c.req.query("labels") ?? "").split(",").filter((l) => l !== "");
    const perPage = Math.min(100, Number(c.req.query("per_page") ?? 30) || 30);
    const issues = model.issues(state, labels).slice(0, perPage);
    return reply(
      c,
      200,
      issues.map((i) => issueJson(json(c), i)),
    );
  });

  // GitHub's PR list, as far as branch merges ask it: `head` is "owner:branch".
  app.get("/repos/:owner/:repo/pulls", (c) => {
    const head = (c.req.query("head") ?? "").split(":").at(-1) ?? "";
    const base = c.req.query("base") ?? "";
    if (c.req.query("state") !== "closed" || !head || !base) return notFound(c);
    const perPage = Math.min(100, Number(c.req.query("per_page") ?? 30) || 30);
    const pulls = model.closedPulls(head, base).slice(0, perPage);
    return reply(
      c,
      200,
      pulls.map((p) => pullJson(json(c), model, p)),
    );
  });

  app.get("/repos/:owner/:repo/pulls/:number", (c) => {
    const n = c.req.param("number");
    const pull = /^\d+$/.test(n) ? model.pull(Number(n)) : undefined;
    return pull ? reply(c, 200, pullJson(json(c), model, pull)) : notFound(c);
  });

  app.notFound((c) => notFound(c));
  return app;
}

const githubAnswer = (rule: Partial<GitHubFaultRule>) =>
  new Response(typeof rule.body === "object" ? JSON.stringify(rule.body) : (rule.body ?? ""), {
    status: rule.status ?? 500,
    headers: { "content-type": JSON_TYPE, ...rule.headers },
  });

/**
 * Chaos in GitHub's words; a force-push moves a channel branch the request reads either back to
 * its parent (someone resets it) or up to master's head (someone pushes an untested revision).
 */
function chaosHooks(model: GitModel, protectedBranches: string[]) {
  let pushes = 0;
  return {
    rateLimited: () => githubAnswer(githubFaults.secondaryRateLimited(1)),
    serverError: () => githubAnswer(githubFaults.badGatewayHtml),
    forcePush(path: string) {
      const branch = decodeURIComponent(
        /\/(?:branches|git\/ref\/heads)\/(.+)$/.exec(path)?.[1] ?? "",
      );
      const head = model.branchHead(branch);
      if (!head || protectedBranches.includes(branch)) return;
      const master = model.branchHead("master");
      const target = pushes++ % 2 === 0 ? model.getCommit(head)?.parents[0] : master;
      if (target && (target !== master || model.isAncestor(head, master))) {
        model.setBranch(branch, target);
      }
    },
  };
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
