import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { SubscriptionPolicy } from "./alerts/subscriptions/create-subscription.ts";
import {
  createSubscriptionFeedCache,
  type SubscriptionFeedCache,
} from "./alerts/subscriptions/feed-cache.ts";
import type { SubscriptionPoster } from "./alerts/subscriptions/subscription-poster.ts";
import type { Clock } from "./clock.ts";
import type { AdminToken } from "./config/admin-tokens.ts";
import type { ChannelSpec } from "./config/channels-file.ts";
import type { Db } from "./db/client.ts";
import { createDbUpstreamCache, type UpstreamCache } from "./db/upstream-cache.ts";
import type { BranchGraph } from "./domain/branch-graph.ts";
import { graphOfSourceBranches } from "./domain/branch-graph.ts";
import { AppError, RetryLaterError } from "./errors.ts";
import type { GitHost } from "./git/git-host.ts";
import type { LookupWrites } from "./git/lookup-writes.ts";
import type { Logger } from "./log.ts";
import type { BlobStore } from "./publish/blob-store.ts";
import { noWebAssets, type WebAssets } from "./status/assets/web-assets.ts";
import { createBlockerIssuesModel } from "./status/blockers/blocker-issues-model.ts";
import {
  createLagReadModel,
  LAG_HISTORY_MAX_AGE_MS,
  LAG_HISTORY_QUIET_MAX_AGE_MS,
  type LagReadModel,
} from "./status/lag/lag-read-model.ts";
import type { LookupAnswers } from "./status/landings/lookup-answers.ts";
import type { LookupGuard } from "./status/landings/lookup-guard.ts";
import { pageContext } from "./status/pages/layout.ts";
import type { ChannelChanges } from "./status/read-model/channel-changes.ts";
import { channelPointer } from "./status/read-model/channel-pointer.ts";
import {
  type ChannelReadModel,
  createChannelReadModel,
} from "./status/read-model/channel-read-model.ts";
import { loadChannelSnapshot } from "./status/read-model/channel-snapshot.ts";
import { adminRoutes } from "./status/routes/admin/admin-routes.ts";
import { alertRoutes } from "./status/routes/alert-routes.ts";
import { assetRoutes } from "./status/routes/asset-routes.ts";
import { auditRoute } from "./status/routes/audit-route.ts";
import { badgeRoutes } from "./status/routes/badge-routes.ts";
import type { PageCache } from "./status/routes/cached-pages.ts";
import { channelRedirectRoutes } from "./status/routes/channel-redirect.ts";
import type { ConnectionAddress } from "./status/routes/client-address.ts";
import { compressAnswers } from "./status/routes/compress-answers.ts";
import type { EncodeBody } from "./status/routes/content-coding.ts";
import { exportRoutes } from "./status/routes/export-routes.ts";
import { feedRoutes } from "./status/routes/feed-routes.ts";
import { lagRoute } from "./status/routes/lag-route.ts";
import { landingRoutes } from "./status/routes/landing-routes.ts";
import { openApiRoute } from "./status/routes/openapi-route.ts";
import { pageCache } from "./status/routes/page-cache.ts";
import { releaseListRoute } from "./status/routes/release-list-route.ts";
import { releaseRoutes } from "./status/routes/releases.ts";
import { statusRoutes } from "./status/routes/status-routes.ts";
import { subscriptionRoutes } from "./status/routes/subscription-routes.ts";

export interface AppDeps {
  db: Db;
  /** Where the tick stores upstream answers (the blocker banner's issues); default over `db`. */
  upstreamCache?: UpstreamCache;
  store: BlobStore;
  channels: ChannelSpec[];
  /** Where changes flow; default: each channel follows its source branch (lookups use it). */
  branchGraph?: BranchGraph;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  hydraUrl: string;
  /** The tick's host; lookups never use it (see `lookups`). */
  git: GitHost;
  /** Answers "has my PR landed?" where the database does not know yet, within its own budget. */
  lookups: LookupGuard;
  /** Where lookups' findings go, after the answer (GET handlers never write). */
  lookupWrites: LookupWrites;
  connectionAddress?: ConnectionAddress;
  /** Announced changes refresh the default read model at once. */
  changes?: ChannelChanges;
  /** The pointers and status rows public reads use; default one reloaded every few seconds. */
  readModel?: ChannelReadModel;
  /** Renderings of pages and JSON; default one per app (Node shares it with its fast path). */
  pageCache?: PageCache;
  /** Lookups' kept answers; default one per app (Node shares it with its fast path). */
  lookupAnswers?: LookupAnswers;
  /** Lag over time (charts, `/api/v1/channels/{c}/lag`); default one over `db` per app. */
  lag?: LagReadModel;
  /** `https://github.com/{FLOODGATE_REPO}`: every commit and PR link points there. */
  repoUrl: string;
  /** The built front end (`npm run build:web`); none: pages without styles and charts. */
  webAssets?: WebAssets;
  /**
   * Compresses cached pages and JSON once per rendering, and other JSON per request (Node); none:
   * served as rendered, for the Workers runtime and Cloudflare's edge to compress.
   */
  encodePage?: EncodeBody;
  /** Bearer tokens of the admin API; empty turns it off (its paths answer 404). */
  adminTokens: AdminToken[];
  /** Subscription limits; default: 10 per client an hour, 20 per URL, no loopback. */
  subscriptionPolicy?: SubscriptionPolicy;
  /** POSTs to subscribers' URLs (Node); none: feed subscriptions only. */
  subscriptionPoster?: SubscriptionPoster;
  /** Rendered private feeds; default one per app (a Worker passes one per isolate). */
  subscriptionFeeds?: SubscriptionFeedCache;
}

const DEFAULT_SUBSCRIPTION_POLICY: SubscriptionPolicy = {
  allowLoopback: false,
  perClientPerHour: 10,
  perTarget: 20,
};

/** How old the default read model may get when no change is announced (Workers: per isolate). */
export const READ_MODEL_MAX_AGE_MS = 5_000;

/** The read model over `deps.db`, refreshed by `deps.changes` (and at most `maxAgeMs` old). */
export function defaultReadModel(
  deps: AppDeps,
  maxAgeMs = READ_MODEL_MAX_AGE_MS,
): ChannelReadModel {
  const names = deps.channels.map((c) => c.name);
  const readModel = createChannelReadModel({
    load: () => loadChannelSnapshot(deps.db, names),
    maxAgeMs,
    onStale: (err) => deps.logger.warn("serving the last snapshot", { error: String(err) }),
  });
  deps.changes?.onChange(() => readModel.refresh());
  return readModel;
}

const STATUS_BY_CODE: Record<string, 400 | 404 | 409 | 502> = {
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  CONFLICT: 409,
};

/** The HTTP app; no I/O at construction, so tests call `app.request()` and both runtimes share it. */
export function createApp(deps: AppDeps): Hono {
  const readModel = deps.readModel ?? defaultReadModel(deps);
  // Announced changes refresh the lag history; the short bound is for when nothing announces.
  const lag =
    deps.lag ??
    createLagReadModel({
      ...deps,
      maxAgeMs: deps.changes ? LAG_HISTORY_QUIET_MAX_AGE_MS : LAG_HISTORY_MAX_AGE_MS,
    });
  deps.changes?.onChange(() => {
    lag.sourcesChanged();
    return undefined;
  });
  const feedCache = deps.subscriptionFeeds ?? createSubscriptionFeedCache();
  deps.changes?.onChange((channel) => {
    feedCache.channelChanged(channel);
    return undefined;
  });
  const webAssets = deps.webAssets ?? noWebAssets;
  const page = pageContext(webAssets, deps.repoUrl);
  const app = new Hono();
  app.use(requestId());
  app.use(
    secureHeaders({
      // Pages load only their own hashed stylesheet and script (no inline style or script), and
      // the script fetches only this origin's JSON: no frames, plugins or other hosts.
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      // Release files and JSON are public and fetched from anywhere (mirrors, other sites' pages).
      crossOriginResourcePolicy: "cross-origin",
      // TLS (and so HSTS, which browsers ignore over http) is the reverse proxy's to decide.
      strictTransportSecurity: false,
    }),
  );

  // JSON answers the page cache does not keep (releases, alerts, lookups) are gzipped per request;
  // the cached ones are compressed once per rendering and pass through (Content-Encoding set).
  // Only where the runtime compresses pages (Node): workerd encodes a body by its Content-Encoding
  // header itself, so gzip bytes from a Worker would be gzipped twice.
  if (deps.encodePage) app.use("/api/*", compressAnswers());
  app.route("/", assetRoutes(webAssets));
  app.route("/", adminRoutes(deps, deps.adminTokens));
  app.route("/", auditRoute(deps));
  app.route("/", releaseListRoute(deps));
  app.route("/", openApiRoute());
  app.use(
    pageCache({
      readModel,
      ...(deps.pageCache ? { cache: deps.pageCache } : {}),
      rerender: (request) => app.fetch(request),
      ...(deps.encodePage ? { encode: deps.encodePage } : {}),
    }),
  );
  app.route("/", lagRoute({ channels: deps.channels, lag }));
  const blockers = createBlockerIssuesModel({
    upstreamCache: deps.upstreamCache ?? createDbUpstreamCache(deps.db),
    channels: deps.channels.map((c) => c.name),
    onStale: (err) => deps.logger.warn("serving the last blocker issues", { error: String(err) }),
  });
  app.route("/", statusRoutes({ ...deps, readModel, page, blockers, lag }));
  app.route("/", releaseRoutes({ store: deps.store }));
  app.route("/", landingRoutes({ ...deps, page, readModel }));
  app.route("/", exportRoutes({ ...deps, readModel }));
  app.route(
    "/",
    subscriptionRoutes({
      ...deps,
      page,
      feedCache,
      branchGraph: deps.branchGraph ?? graphOfSourceBranches(deps.channels),
      subscriptionPolicy: deps.subscriptionPolicy ?? DEFAULT_SUBSCRIPTION_POLICY,
    }),
  );
  app.route("/", feedRoutes(deps));
  app.route("/", badgeRoutes({ ...deps, readModel }));
  app.route("/", alertRoutes(deps));
  app.route(
    "/",
    channelRedirectRoutes({
      knownChannels: () => deps.channels.map((c) => c.name),
      publicUrl: deps.publicUrl,
      lookup: async (channel) => channelPointer(await readModel.current(), channel),
    }),
  );

  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `no route for ${c.req.path}` } }, 404),
  );

  app.onError((err, c) => {
    const id = c.get("requestId");
    if (err instanceof RetryLaterError) {
      c.header("Retry-After", String(err.retryAfterSeconds));
      const { code, message, retryAfterSeconds } = err;
      const status = code === "RATE_LIMITED" ? 429 : 503;
      return c.json({ error: { code, message, retryAfterSeconds, requestId: id } }, status);
    }
    const code = err instanceof AppError ? err.code : "INTERNAL";
    const status = STATUS_BY_CODE[code] ?? 500;
    if (status >= 500)
      deps.logger.error("request failed", { requestId: id, path: c.req.path, error: err.stack });
    const message = status >= 500 ? "internal error" : err.message;
    return c.json({ error: { code, message, requestId: id } }, status);
  });
  return app;
}
