import { Feed } from "feed";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  type CreateDeps,
  createSubscription,
  SubscriptionRequest,
} from "../../alerts/subscriptions/create-subscription.ts";
import type { SubscriptionFeedCache } from "../../alerts/subscriptions/feed-cache.ts";
import {
  cancelSubscription,
  findByToken,
  hashToken,
  noticesOf,
  subscriptionView,
} from "../../alerts/subscriptions/subscription-store.ts";
import { AppError, BadRequestError, NotFoundError } from "../../errors.ts";
import { ATOM_CONTENT_TYPE } from "../feeds/atom-feed.ts";
import { tagPrefix } from "../feeds/feed-entries.ts";
import type { LookupGuard } from "../landings/lookup-guard.ts";
import type { PageContext } from "../pages/layout.ts";
import { createdPage, subscriptionErrorPage } from "../pages/subscription-page.ts";
import { type ConnectionAddress, clientKey } from "./client-address.ts";

export interface SubscriptionRouteDeps extends Omit<CreateDeps, "git"> {
  lookups: LookupGuard;
  connectionAddress?: ConnectionAddress;
  page: PageContext;
  /** Rendered private feeds, dropped when a channel they listen to changes. */
  feedCache: SubscriptionFeedCache;
}

const MAX_BODY_BYTES = 16 * 1024;
const FEED_ENTRIES = 50;

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) =>
    c.json(
      {
        error: { code: "PAYLOAD_TOO_LARGE", message: `bodies are at most ${MAX_BODY_BYTES} bytes` },
      },
      413,
    ),
});

function parseRequest(input: unknown): SubscriptionRequest {
  const parsed = SubscriptionRequest.safeParse(input);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  throw new BadRequestError(`invalid subscription: ${why.join("; ")}`);
}

/**
 * Subscriptions with no accounts: `POST /api/v1/subscriptions` (JSON) and `POST /subscriptions`
 * (the pages' form), `GET`/`DELETE /api/v1/subscriptions/{token}`, `/feeds/subscriptions/{token}.atom`.
 */
export function subscriptionRoutes(routeDeps: SubscriptionRouteDeps): Hono {
  const app = new Hono();
  const { lookups, connectionAddress, page, feedCache, ...rest } = routeDeps;
  const deps: CreateDeps = { ...rest, git: lookups.git };
  const client = (c: Context) =>
    clientKey(c, { trustedHeader: lookups.limits.clientIpHeader, connectionAddress });

  app.post("/api/v1/subscriptions", limitBody, async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new BadRequestError("the body is not JSON");
    }
    const made = await createSubscription(deps, parseRequest(body), client(c));
    return c.json(made, 201);
  });

  app.post("/subscriptions", limitBody, async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => {
      const value = form[name];
      return typeof value === "string" && value.trim() !== "" ? value : undefined;
    };
    try {
      const req = parseRequest({
        kind: field("kind"),
        subject: field("subject"),
        delivery: field("delivery"),
        url: field("url"),
      });
      return c.html(createdPage(page, await createSubscription(deps, req, client(c))), 201);
    } catch (err) {
      if (!(err instanceof AppError) || err.code === "INTERNAL") throw err;
      const status = err.code === "RATE_LIMITED" ? 429 : err.code === "NOT_FOUND" ? 404 : 400;
      return c.html(subscriptionErrorPage(page, err.message), status);
    }
  });

  const found = async (token: string) => {
    const sub = await findByToken(deps.db, token);
    if (!sub) throw new NotFoundError("no such subscription");
    return sub;
  };

  app.get("/api/v1/subscriptions/:token", async (c) => {
    const sub = await found(c.req.param("token"));
    return c.json(subscriptionView(sub, await noticesOf(deps.db, sub.id, FEED_ENTRIES)));
  });

  const cancel = async (token: string) => {
    const sub = await found(token);
    await cancelSubscription(deps.db, sub.id, deps.clock.now());
    return (await findByToken(deps.db, token)) ?? sub;
  };
  app.delete("/api/v1/subscriptions/:token", async (c) => {
    const sub = await cancel(c.req.param("token"));
    return c.json(subscriptionView(sub, []));
  });
  app.post("/subscriptions/:token/cancel", async (c) => {
    await cancel(c.req.param("token"));
    return c.html(subscriptionErrorPage(page, "Cancelled: nothing more will be sent."));
  });

  const atom = (c: Context, body: string) =>
    // Private: a shared cache must not keep someone's feed.
    c.body(body, 200, {
      "Content-Type": ATOM_CONTENT_TYPE,
      "Cache-Control": "private, max-age=60",
    });

  app.get("/feeds/subscriptions/:file{[A-Za-z0-9_-]+\\.atom}", async (c) => {
    const token = c.req.param("file").slice(0, -".atom".length);
    const key = await hashToken(token);
    const cached = feedCache.get(key);
    if (cached) return atom(c, cached.body);
    const sub = await found(token);
    const channels = sub.kind === "channel" ? [sub.subject] : sub.channels;
    const version = feedCache.versionOf(channels);
    const notices = await noticesOf(deps.db, sub.id, FEED_ENTRIES);
    const prefix = tagPrefix(deps.publicUrl);
    const feed = new Feed({
      id: `${prefix}subscription/${sub.id}`,
      title: `floodgate: ${sub.kind} ${sub.subject}`,
      link: `${deps.publicUrl}/${sub.kind === "pr" ? "prs" : sub.kind === "commit" ? "commits" : "channels"}/${sub.subject}`,
      updated: notices[0]?.createdAt ?? new Date(0),
      generator: "floodgate",
      copyright: "",
    });
    for (const n of notices) {
      feed.addItem({
        id: `${prefix}notice/${n.id}`,
        title: n.summary,
        link: `${deps.publicUrl}/channels/${encodeURIComponent(n.channel)}`,
        date: n.createdAt,
        content: n.summary,
        category: [{ term: n.kind }, { term: n.channel }],
      });
    }
    const body = feed.atom1();
    feedCache.set(key, { subscriptionId: sub.id, channels, body }, version);
    return atom(c, body);
  });
  return app;
}
