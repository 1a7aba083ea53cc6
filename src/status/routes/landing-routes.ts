import { type Context, Hono } from "hono";
import { AppError, UpstreamError } from "../../errors.ts";
import { commitLanding, type LandingDeps } from "../landings/commit-landing.ts";
import { pullLanding } from "../landings/pull-landing.ts";
import { commitPage, lookupErrorPage, pullPage } from "../pages/landing-page.ts";

const PAGE_STATUS: Record<string, 400 | 404> = { BAD_REQUEST: 400, NOT_FOUND: 404 };

/** The host being down is GitHub's failure, not ours: 502, so clients know to retry. */
function upstreamFailure(c: Context, err: unknown): Response {
  if (!(err instanceof UpstreamError)) throw err;
  const requestId = c.get("requestId");
  const error = { code: err.code, message: `GitHub did not answer: ${err.message}`, requestId };
  return c.json({ error }, 502);
}

/** An HTML page for a failed lookup; anything unexpected goes on to the app's error handler. */
function failedPage(c: Context, err: unknown, query: string): Response | Promise<Response> {
  const status = err instanceof AppError ? PAGE_STATUS[err.code] : undefined;
  if (status)
    return c.html(lookupErrorPage(err instanceof Error ? err.message : "", query), status);
  if (err instanceof UpstreamError) {
    return c.html(
      lookupErrorPage(`GitHub did not answer (${err.code}); try again soon.`, query),
      502,
    );
  }
  throw err;
}

/**
 * "Has my PR landed?": `/api/v1/commits/{sha}`, `/api/v1/prs/{n}`, their pages `/commits/{sha}`
 * and `/prs/{n}`, and `/landed?q=` behind the status page's form.
 */
export function landingRoutes(deps: LandingDeps): Hono {
  const app = new Hono();
  const now = () => deps.clock.now();

  app.get("/api/v1/commits/:sha", async (c) => {
    try {
      return c.json(await commitLanding(deps, c.req.param("sha")));
    } catch (err) {
      return upstreamFailure(c, err);
    }
  });

  app.get("/api/v1/prs/:number", async (c) => {
    try {
      return c.json(await pullLanding(deps, c.req.param("number")));
    } catch (err) {
      return upstreamFailure(c, err);
    }
  });

  app.get("/commits/:sha", async (c) => {
    const sha = c.req.param("sha");
    try {
      return c.html(commitPage(await commitLanding(deps, sha), now()));
    } catch (err) {
      return failedPage(c, err, sha);
    }
  });

  app.get("/prs/:number", async (c) => {
    const number = c.req.param("number");
    try {
      return c.html(pullPage(await pullLanding(deps, number), now()));
    } catch (err) {
      return failedPage(c, err, number);
    }
  });

  app.get("/landed", (c) => {
    const q = (c.req.query("q") ?? "").trim();
    const target = lookupTarget(q);
    if (target) return c.redirect(target, 302);
    const message =
      "Enter a pull request number (e.g. 123456) or a commit sha (at least 7 hex digits).";
    return c.html(lookupErrorPage(message, q), 400);
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
