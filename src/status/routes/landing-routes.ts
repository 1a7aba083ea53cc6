import { type Context, Hono } from "hono";
import { AppError, RetryLaterError, UpstreamError } from "../../errors.ts";
import { batchedCommitFacts } from "../landings/commit-facts.ts";
import { commitLanding, type LandingDeps } from "../landings/commit-landing.ts";
import {
  commitAnswerKey,
  createLookupAnswers,
  type LookupAnswers,
} from "../landings/lookup-answers.ts";
import type { LookupGuard } from "../landings/lookup-guard.ts";
import { pullLanding } from "../landings/pull-landing.ts";
import { commitPage, lookupErrorPage, pullPage } from "../pages/landing-page.ts";
import type { PageContext } from "../pages/layout.ts";
import { channelPointer } from "../read-model/channel-pointer.ts";
import { type ChannelReadModel, heldSnapshot } from "../read-model/channel-read-model.ts";
import { type ConnectionAddress, clientKey } from "./client-address.ts";

export interface LandingRouteDeps extends Omit<LandingDeps, "git"> {
  lookups: LookupGuard;
  /** Its generation bounds how long a lookup's answer is reused (answer-cache.ts). */
  readModel: Pick<ChannelReadModel, "current" | "peek">;
  connectionAddress?: ConnectionAddress;
  page: PageContext;
  /** Shared with Node's fast path, which serves commits' kept answers itself; else the routes' own. */
  lookupAnswers?: LookupAnswers;
}

const PAGE_STATUS: Record<string, 400 | 404> = { BAD_REQUEST: 400, NOT_FOUND: 404 };

/** The host being down is GitHub's failure, not ours: 502, so clients know to retry. */
function upstreamFailure(c: Context, err: unknown): Response {
  if (!(err instanceof UpstreamError)) throw err;
  const requestId = c.get("requestId");
  const error = { code: err.code, message: `GitHub did not answer: ${err.message}`, requestId };
  return c.json({ error }, 502);
}

/** An HTML page for a failed lookup; anything unexpected goes on to the app's error handler. */
function failedPage(
  ctx: PageContext,
  c: Context,
  err: unknown,
  query: string,
): Response | Promise<Response> {
  if (err instanceof RetryLaterError) {
    c.header("Retry-After", String(err.retryAfterSeconds));
    const title = err.code === "RATE_LIMITED" ? "Too many lookups" : "Lookups paused";
    return c.html(
      lookupErrorPage(ctx, err.message, query, title),
      err.code === "RATE_LIMITED" ? 429 : 503,
    );
  }
  const status = err instanceof AppError ? PAGE_STATUS[err.code] : undefined;
  if (status)
    return c.html(lookupErrorPage(ctx, err instanceof Error ? err.message : "", query), status);
  if (err instanceof UpstreamError) {
    return c.html(
      lookupErrorPage(ctx, `GitHub did not answer (${err.code}); try again soon.`, query),
      502,
    );
  }
  throw err;
}

/**
 * "Has my PR landed?": `/api/v1/commits/{sha}`, `/api/v1/prs/{n}`, their pages `/commits/{sha}`
 * and `/prs/{n}`, `/landed?q=` behind the status page's form, and pr-tracker's `/pr-tracker.html?pr=N`.
 */
export function landingRoutes(routeDeps: LandingRouteDeps): Hono {
  const app = new Hono();
  const { lookups, connectionAddress, page: ctx, readModel, lookupAnswers, ...rest } = routeDeps;
  // Concurrent cold lookups read their commits' records together (one query in flight).
  const deps: LandingDeps = {
    ...rest,
    git: lookups.git,
    commitFacts: batchedCommitFacts(rest.db),
    // The pointers every public read serves from, not a query per channel and lookup.
    servedRevision: async (channel) =>
      channelPointer(await heldSnapshot(readModel), channel)?.revision ?? null,
  };
  const answers = lookupAnswers ?? createLookupAnswers(readModel, deps.clock);
  const commit = (input: string) =>
    answers.commits(commitAnswerKey(input), () => commitLanding(deps, input));
  const pull = (input: string) => answers.pulls(input.trim(), () => pullLanding(deps, input));
  const now = () => deps.clock.now();

  // Every lookup takes one from its client's allowance first, cached answers included: the
  // database work is not free either, and the limit is one a person never reaches.
  const admit = (c: Context): void => {
    const client = clientKey(c, {
      trustedHeader: lookups.limits.clientIpHeader,
      connectionAddress,
    });
    const verdict = lookups.admit(client);
    if (verdict.ok) return;
    const perMinute = lookups.limits.clientPerMinute;
    throw new RetryLaterError(
      "RATE_LIMITED",
      `at most ${perMinute} lookups a minute per client; try again in ${verdict.retryAfterSeconds} s`,
      verdict.retryAfterSeconds,
    );
  };

  app.get("/api/v1/commits/:sha", async (c) => {
    try {
      admit(c);
      return c.json(await commit(c.req.param("sha")));
    } catch (err) {
      return upstreamFailure(c, err);
    }
  });

  app.get("/api/v1/prs/:number", async (c) => {
    try {
      admit(c);
      return c.json(await pull(c.req.param("number")));
    } catch (err) {
      return upstreamFailure(c, err);
    }
  });

  app.get("/commits/:sha", async (c) => {
    const sha = c.req.param("sha");
    try {
      admit(c);
      return c.html(commitPage(ctx, await commit(sha), now()));
    } catch (err) {
      return failedPage(ctx, c, err, sha);
    }
  });

  app.get("/prs/:number", async (c) => {
    const number = c.req.param("number");
    try {
      admit(c);
      return c.html(pullPage(ctx, await pull(number), now()));
    } catch (err) {
      return failedPage(ctx, c, err, number);
    }
  });

  // pr-tracker's bookmarked URL (nixpk.gs/pr-tracker.html?pr=N): same answer as /prs/N.
  app.get("/pr-tracker.html", (c) => {
    const pr = (c.req.query("pr") ?? "").trim();
    if (/^[1-9][0-9]{0,9}$/.test(pr)) return c.redirect(`/prs/${pr}`, 302);
    const message = pr
      ? `"${pr}" is not a pull request number: use /pr-tracker.html?pr=123456 or /prs/123456.`
      : "Which pull request? Use /pr-tracker.html?pr=123456 or /prs/123456.";
    return c.html(lookupErrorPage(ctx, message, pr, "Bad request"), 400);
  });

  app.get("/landed", (c) => {
    const q = (c.req.query("q") ?? "").trim();
    const target = lookupTarget(q);
    if (target) return c.redirect(target, 302);
    const message =
      "Enter a pull request number (e.g. 123456) or a commit sha (at least 7 hex digits).";
    return c.html(lookupErrorPage(ctx, message, q), 400);
  });

  return app;
}

/** Where the status page's form goes: a PR number, a commit sha, or a GitHub link to either. */
export function lookupTarget(q: string): string | null {
  const pr = /^#?(\d{1,7})$/.exec(q) ?? /\/pull\/(\d+)(?:[/?#].*)?$/.exec(q);
  if (pr?.[1]) return `/prs/${pr[1]}`;
  const sha =
    /^([0-9a-fA-F]{7,40})$/.exec(q) ?? /\/commit\/([0-9a-fA-F]{7,40})(?:[/?#].*)?$/.exec(q);
  if (sha?.[1]) return `/commits/${sha[1].toLowerCase()}`;
  return null;
}
