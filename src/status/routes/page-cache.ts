import type { MiddlewareHandler } from "hono";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import {
  answerPage,
  type CachedPage,
  createPageCache,
  isCachedPath,
  type PageCache,
  pageKey,
} from "./cached-pages.ts";
import type { EncodeBody } from "./content-coding.ts";

/** Renders `request` through the whole app (the background re-rendering of an expired page). */
export type RenderRequest = (request: Request) => Response | Promise<Response>;

interface InFlight {
  generation: number;
  done: Promise<CachedPage | null>;
}

/**
 * Pages and JSON rendered once per read-model change (or every `PAGE_RENDER_MAX_AGE_MS`), with a
 * strong ETag for 304s, kept in `cache` (which Node's fast path serves from too). A pointer change
 * makes requests wait for the new rendering (freshness); a status change alone, or an expired
 * rendering, keeps the previous one served (`PageCache.judge` bounds how long) while `rerender`
 * (when given; else the request that found it) renders the next one.
 */
export function pageCache(opts: {
  readModel: ChannelReadModel;
  /** Shared with the fast path; default one of its own, with these options. */
  cache?: PageCache;
  /** The default cache's clock (a given cache has its own). */
  nowMs?: () => number;
  maxAgeMs?: number;
  maxEntries?: number;
  maxBytes?: number;
  /** Compresses each rendering (Node: brotli and gzip); none: served as rendered. */
  encode?: EncodeBody;
  /** The app itself: re-renders pages in the background (the cache lives as long as it). */
  rerender?: RenderRequest;
}): MiddlewareHandler {
  const cache =
    opts.cache ??
    createPageCache({
      ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
      ...(opts.maxAgeMs === undefined ? {} : { maxAgeMs: opts.maxAgeMs }),
      ...(opts.maxEntries === undefined ? {} : { maxEntries: opts.maxEntries }),
      ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
    });
  const rendering = new Map<string, InFlight>();
  // The cache's own requests, known by identity (a header could be sent by anyone), by key.
  const rerenders = new WeakSet<Request>();

  const rerenderInBackground = (url: string, key: string, rerender: RenderRequest) => {
    if (!cache.renewing(key)) return;
    const request = new Request(url);
    rerenders.add(request);
    Promise.resolve()
      .then(() => rerender(request))
      .then((res) => res.body?.cancel())
      .catch(() => undefined)
      .finally(() => cache.renewed(key));
  };

  return async (c, next) => {
    const method = c.req.method;
    if ((method !== "GET" && method !== "HEAD") || !isCachedPath(c.req.path)) return next();
    const url = new URL(c.req.url);
    const key = pageKey(url.pathname, url.search);
    const isRerender = rerenders.has(c.req.raw);
    const snapshot = await opts.readModel.current();
    const verdict = cache.judge(key, snapshot);
    let page: CachedPage | null | undefined = verdict.kind === "fresh" ? verdict.page : undefined;
    const inFlight = rendering.get(key);
    if (verdict.kind === "stale" && !isRerender) {
      if (opts.rerender) rerenderInBackground(`${url.origin}${key}`, key, opts.rerender);
      if (opts.rerender || inFlight) page = verdict.page;
    }
    if (!page && !isRerender && inFlight?.generation === snapshot.generation) {
      page = await inFlight.done;
    }
    if (!page) {
      let done: (value: CachedPage | null) => void = () => {};
      const generation = snapshot.generation;
      rendering.set(key, { generation, done: new Promise((resolve) => (done = resolve)) });
      try {
        await next();
        const captured = await capture(c.res, snapshot, opts.encode);
        if (!captured) return;
        page = cache.keep(key, captured);
      } finally {
        if (rendering.get(key)?.generation === generation) rendering.delete(key);
        done(page ?? null);
      }
    }
    const answer = answerPage(page, {
      method,
      ifNoneMatch: c.req.header("If-None-Match"),
      acceptEncoding: c.req.header("Accept-Encoding"),
    });
    c.res = new Response(answer.sendBody ? answer.bytes : null, {
      status: answer.status,
      headers: answer.headers,
    });
  };
}

/** Keeps a 200 answer (anything else passes through untouched). */
async function capture(
  res: Response,
  snapshot: { generation: number; pointers: number },
  encode: EncodeBody | undefined,
): Promise<Omit<CachedPage, "renderedAtMs"> | null> {
  if (res.status !== 200) return null;
  const body = await res.clone().text();
  const plain = new TextEncoder().encode(body);
  const digest = await crypto.subtle.digest("SHA-256", plain);
  const hex = [...new Uint8Array(digest).slice(0, 12)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  const contentType = res.headers.get("Content-Type") ?? "text/plain; charset=utf-8";
  const encoded = encode ? await encode(body) : {};
  const { generation, pointers } = snapshot;
  return { plain, contentType, etag: `"${hex}"`, encoded, generation, pointers };
}
