import type { MiddlewareHandler } from "hono";
import { createTtlLru } from "../../ttl-lru.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import { type EncodeBody, type EncodedBodies, pickEncoding } from "./content-coding.ts";

/** What browsers, CDNs and scripts may reuse: short, then served stale while they revalidate. */
export const PAGE_CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=60";
/**
 * How long a rendering is served before it is re-rendered, when nothing changed (a read-model
 * change re-renders at once). Pages show ages at minute granularity (and web/time-ago.ts keeps them
 * current in browsers); the re-rendering happens in the background while the old one is served.
 * Each re-rendering's queries run on the event loop with PGlite, so a short age stalls every
 * request (the redirects too) that often.
 */
export const PAGE_RENDER_MAX_AGE_MS = 30_000;
/** Renderings kept (the key is the URL without the query strings no view reads; `cacheKey`). */
export const PAGE_CACHE_MAX_ENTRIES = 512;
/**
 * And their bytes (each plain, brotli and gzip): a year of history makes a channel page ~100 KB,
 * so 512 of them would hold ~70 MB; every page of ten channels fits in a few.
 */
export const PAGE_CACHE_MAX_BYTES = 24 * 1024 * 1024;

// The read-only views built from the read model; everything else (lookups, admin) is never cached.
const CACHED_PATHS =
  /^\/(?:|api\/v1\/channels(?:\/[^/]+(?:\/lag)?)?|channels\/[^/]+|metrics|history\/[^/]+|feeds\/[^/]+\.atom|badges\/[^/]+\.svg)$/;

interface Rendered {
  /**
   * The rendering as UTF-8 bytes: a string body was measured and encoded again for every request
   * (a channel page is ~80 KB, and two bytes a character once it holds one non-ASCII character).
   */
  plain: Uint8Array<ArrayBuffer>;
  contentType: string;
  etag: string;
  /** Compressed once per rendering, so a busy page costs no compression per request. */
  encoded: EncodedBodies;
  generation: number;
  renderedAtMs: number;
}

/** Renders `request` through the whole app (the background re-rendering of an expired page). */
export type RenderRequest = (request: Request) => Response | Promise<Response>;

/**
 * Pages and JSON rendered once per read-model change (or every `PAGE_RENDER_MAX_AGE_MS`), with a
 * strong ETag for 304s. A change makes every request wait for the new rendering (freshness); an
 * expired rendering keeps being served while `rerender` (when given; else the request that found it
 * expired) renders the next one, so no request waits for a rendering of unchanged data.
 */
export function pageCache(opts: {
  readModel: ChannelReadModel;
  nowMs?: () => number;
  maxAgeMs?: number;
  maxEntries?: number;
  maxBytes?: number;
  /** Compresses each rendering (Node: brotli and gzip); none: served as rendered. */
  encode?: EncodeBody;
  /** The app itself: re-renders expired pages in the background (the cache lives as long as it). */
  rerender?: RenderRequest;
}): MiddlewareHandler {
  const nowMs = opts.nowMs ?? Date.now;
  const maxAgeMs = opts.maxAgeMs ?? PAGE_RENDER_MAX_AGE_MS;
  // Kept past maxAgeMs on purpose: an expired rendering is still what waiting requests get.
  const rendered = createTtlLru<string, Rendered>({
    maxEntries: opts.maxEntries ?? PAGE_CACHE_MAX_ENTRIES,
    maxWeight: opts.maxBytes ?? PAGE_CACHE_MAX_BYTES,
    weightOf: bytesOf,
    ttlMs: 3_600_000,
    now: nowMs,
  });
  const rendering = new Map<string, Promise<Rendered | null>>();
  // The cache's own requests, known by identity (a header could be sent by anyone), by key.
  const rerenders = new WeakSet<Request>();
  const rerendering = new Set<string>();

  const rerenderInBackground = (key: string, rerender: RenderRequest) => {
    if (rerendering.has(key)) return;
    rerendering.add(key);
    const request = new Request(key);
    rerenders.add(request);
    Promise.resolve()
      .then(() => rerender(request))
      .then((res) => res.body?.cancel())
      .catch(() => undefined)
      .finally(() => rerendering.delete(key));
  };

  return async (c, next) => {
    const method = c.req.method;
    if ((method !== "GET" && method !== "HEAD") || !CACHED_PATHS.test(c.req.path)) return next();
    const key = cacheKey(c.req.url);
    const isRerender = rerenders.has(c.req.raw);
    const { generation } = await opts.readModel.current();
    const kept = rendered.get(key);
    const current = kept?.generation === generation ? kept : undefined;
    const expired = current !== undefined && nowMs() - current.renderedAtMs >= maxAgeMs;
    let page: Rendered | null | undefined = expired ? undefined : current;
    if (expired && opts.rerender && !isRerender) {
      rerenderInBackground(key, opts.rerender);
      page = current;
    }
    const inFlight = isRerender ? undefined : rendering.get(key);
    if (!page && inFlight) page = current ?? (await inFlight);
    if (!page) {
      let done: (value: Rendered | null) => void = () => {};
      rendering.set(key, new Promise((resolve) => (done = resolve)));
      try {
        await next();
        page = await capture(c.res, generation, nowMs(), opts.encode);
        if (page) rendered.set(key, page);
        else return;
      } finally {
        rendering.delete(key);
        done(page ?? null);
      }
    }
    c.res = answer(page, c.req.header("If-None-Match"), c.req.header("Accept-Encoding"), method);
  };
}

/**
 * The URL without the query, but for `days` of the lag JSON, the one query a cached view reads:
 * `/?junk=N` is the same rendering, so it must not cost a rendering (each a burst of queries
 * that, on PGlite, stalls every request) nor a place in the cache.
 */
export function cacheKey(url: string): string {
  const parsed = new URL(url);
  const days = parsed.pathname.endsWith("/lag") ? parsed.searchParams.get("days") : null;
  parsed.search = days === null ? "" : `?days=${encodeURIComponent(days)}`;
  parsed.hash = "";
  return parsed.href;
}

const bytesOf = (page: Rendered) =>
  page.plain.byteLength + (page.encoded.br?.byteLength ?? 0) + (page.encoded.gzip?.byteLength ?? 0);

/** Keeps a 200 answer (anything else passes through untouched). */
async function capture(
  res: Response,
  generation: number,
  at: number,
  encode: EncodeBody | undefined,
): Promise<Rendered | null> {
  if (res.status !== 200) return null;
  const body = await res.clone().text();
  const plain = new TextEncoder().encode(body);
  const digest = await crypto.subtle.digest("SHA-256", plain);
  const hex = [...new Uint8Array(digest).slice(0, 12)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  const contentType = res.headers.get("Content-Type") ?? "text/plain; charset=utf-8";
  const encoded = encode ? await encode(body) : {};
  return { plain, contentType, etag: `"${hex}"`, encoded, generation, renderedAtMs: at };
}

// Each coding is its own representation with its own strong ETag ("<hash>-br"); any of them
// revalidates, since they all decode to the same rendering.
const tagOf = (etag: string, coding: string | undefined) =>
  coding ? `${etag.slice(0, -1)}-${coding}"` : etag;

function answer(
  page: Rendered,
  ifNoneMatch: string | undefined,
  acceptEncoding: string | undefined,
  method: string,
): Response {
  const picked = pickEncoding(acceptEncoding, page.encoded);
  const etag = tagOf(page.etag, picked?.coding);
  const headers: Record<string, string> = {
    ETag: etag,
    "Cache-Control": PAGE_CACHE_CONTROL,
    Vary: "Accept-Encoding",
  };
  const tags = new Set([page.etag, tagOf(page.etag, "br"), tagOf(page.etag, "gzip")]);
  const matches = ifNoneMatch?.split(",").some((t) => tags.has(t.trim().replace(/^W\//, "")));
  if (matches) return new Response(null, { status: 304, headers });
  headers["Content-Type"] = page.contentType;
  if (picked) headers["Content-Encoding"] = picked.coding;
  const body = method === "HEAD" ? null : (picked?.body ?? page.plain);
  return new Response(body, { status: 200, headers });
}
