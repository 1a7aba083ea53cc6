import { createTtlLru } from "../../ttl-lru.ts";
import type { ChannelSnapshot } from "../read-model/channel-read-model.ts";
import { type EncodedBodies, pickEncoding } from "./content-coding.ts";

/** What browsers, CDNs and scripts may reuse: short, then served stale while they revalidate. */
export const PAGE_CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=60";
/**
 * How long a rendering is served before it is re-rendered, when nothing changed (a read-model
 * change re-renders at once). Pages show ages at minute granularity (and web/time-ago.ts keeps them
 * current in browsers); the re-rendering happens in the background while the old one is served.
 * Each re-rendering is a burst of queries (on PGlite, one backend that ticks and lookups wait for)
 * and of rendering on the event loop, so a short age costs that often.
 */
export const PAGE_RENDER_MAX_AGE_MS = 30_000;
/**
 * How long after a change of the status rows alone (a tick's outcome, which moves the read model
 * every tick) the rendering of the generation before it is still served while the new one renders.
 * Past it, requests wait for the new rendering. A pointer change (flip, pin, freeze) is never
 * served stale: requests wait for a rendering that shows it.
 */
export const PAGE_STALE_AFTER_CHANGE_MS = 5_000;
/** Renderings kept (the key is the URL path and the one query a view reads; `pageKey`). */
export const PAGE_CACHE_MAX_ENTRIES = 512;
/**
 * And their bytes (each plain, brotli and gzip): a year of history makes a channel page ~100 KB,
 * so 512 of them would hold ~70 MB; every page of ten channels fits in a few.
 */
export const PAGE_CACHE_MAX_BYTES = 24 * 1024 * 1024;

// The read-only views built from the read model; everything else (lookups, admin) is never cached.
const CACHED_PATHS =
  /^\/(?:|api\/v1\/channels(?:\/[^/]+(?:\/lag)?)?|channels\/[^/]+|metrics|history\/[^/]+|feeds\/[^/]+\.atom|badges\/[^/]+\.svg)$/;

export const isCachedPath = (path: string) => CACHED_PATHS.test(path);

export interface CachedPage {
  /**
   * The rendering as UTF-8 bytes: a string body was measured and encoded again for every request
   * (a channel page is ~80 KB, and two bytes a character once it holds one non-ASCII character).
   */
  plain: Uint8Array<ArrayBuffer>;
  contentType: string;
  etag: string;
  /** Compressed once per rendering, so a busy page costs no compression per request. */
  encoded: EncodedBodies;
  /** The read model's generation and pointers when the rendering started. */
  generation: number;
  pointers: number;
  renderedAtMs: number;
}

/**
 * What a request for a page gets: `fresh`, the rendering as it is; `stale`, the rendering while
 * the next one is made (expired, or one status change behind within PAGE_STALE_AFTER_CHANGE_MS);
 * `none`, nothing that may be served: a rendering of the current snapshot is needed.
 */
export type PageVerdict =
  | { kind: "fresh" | "stale"; page: CachedPage }
  | { kind: "none"; page?: undefined };

/**
 * The renderings of pages and JSON, shared by the Hono middleware (`pageCache`, which renders and
 * fills it) and Node's fast path (which only serves `fresh` ones, and leaves the rest to the app).
 */
export interface PageCache {
  judge(key: string, snapshot: ChannelSnapshot): PageVerdict;
  /**
   * Stamps a new rendering with the cache's clock and keeps it, unless a rendering of a later
   * generation is kept already; returns it stamped either way.
   */
  keep(key: string, rendering: Omit<CachedPage, "renderedAtMs">): CachedPage;
  /**
   * Marks `key` as being re-rendered in the background until `renewed`; false if it already is.
   * Meanwhile its `stale` rendering is what every request gets, from the app or the fast path.
   */
  renewing(key: string): boolean;
  renewed(key: string): void;
  isRenewing(key: string): boolean;
}

export function createPageCache(
  opts: {
    nowMs?: () => number;
    maxAgeMs?: number;
    staleAfterChangeMs?: number;
    maxEntries?: number;
    maxBytes?: number;
  } = {},
): PageCache {
  const nowMs = opts.nowMs ?? Date.now;
  const maxAgeMs = opts.maxAgeMs ?? PAGE_RENDER_MAX_AGE_MS;
  const staleMs = opts.staleAfterChangeMs ?? PAGE_STALE_AFTER_CHANGE_MS;
  // Kept past maxAgeMs on purpose: an expired rendering is still what waiting requests get.
  const rendered = createTtlLru<string, CachedPage>({
    maxEntries: opts.maxEntries ?? PAGE_CACHE_MAX_ENTRIES,
    maxWeight: opts.maxBytes ?? PAGE_CACHE_MAX_BYTES,
    weightOf: bytesOf,
    ttlMs: 3_600_000,
    now: nowMs,
  });
  const renewals = new Set<string>();
  return {
    judge(key, snapshot) {
      const page = rendered.get(key);
      if (!page) return { kind: "none" };
      const now = nowMs();
      if (page.generation === snapshot.generation) {
        return { kind: now - page.renderedAtMs < maxAgeMs ? "fresh" : "stale", page };
      }
      const oneStatusChangeBehind =
        page.generation === snapshot.generation - 1 && page.pointers === snapshot.pointers;
      if (oneStatusChangeBehind && now - snapshot.changedAtMs < staleMs) {
        return { kind: "stale", page };
      }
      return { kind: "none" };
    },
    keep(key, rendering) {
      const page = { ...rendering, renderedAtMs: nowMs() };
      const kept = rendered.get(key);
      if (!kept || kept.generation <= page.generation) rendered.set(key, page);
      return page;
    },
    renewing(key) {
      if (renewals.has(key)) return false;
      renewals.add(key);
      return true;
    },
    renewed(key) {
      renewals.delete(key);
    },
    isRenewing: (key) => renewals.has(key),
  };
}

/**
 * The URL path, and for the lag JSON its `days`, the one query a cached view reads: `/?junk=N`
 * is the same rendering, so it must not cost a rendering (each a burst of queries and rendering)
 * nor a place in the cache.
 */
export function pageKey(pathname: string, search: string): string {
  if (!pathname.endsWith("/lag")) return pathname;
  const days = new URLSearchParams(search).get("days");
  return days === null ? pathname : `${pathname}?days=${encodeURIComponent(days)}`;
}

const bytesOf = (page: CachedPage) =>
  page.plain.byteLength + (page.encoded.br?.byteLength ?? 0) + (page.encoded.gzip?.byteLength ?? 0);

export interface PageRequest {
  method: string;
  ifNoneMatch: string | undefined;
  acceptEncoding: string | undefined;
}

export interface PageAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  /** The representation's bytes (also for HEAD, whose length they give); none for a 304. */
  bytes: Uint8Array<ArrayBuffer> | null;
  /** False for HEAD: headers only. */
  sendBody: boolean;
}

// Each coding is its own representation with its own strong ETag ("<hash>-br"); any of them
// revalidates, since they all decode to the same rendering.
const tagOf = (etag: string, coding: string | undefined) =>
  coding ? `${etag.slice(0, -1)}-${coding}"` : etag;

/** The one answer to a request for a kept rendering, whoever writes it (Hono or plain Node). */
export function answerPage(page: CachedPage, request: PageRequest): PageAnswer {
  const picked = pickEncoding(request.acceptEncoding, page.encoded);
  const headers: Record<string, string> = {
    ETag: tagOf(page.etag, picked?.coding),
    "Cache-Control": PAGE_CACHE_CONTROL,
    Vary: "Accept-Encoding",
  };
  const tags = new Set([page.etag, tagOf(page.etag, "br"), tagOf(page.etag, "gzip")]);
  const matches = request.ifNoneMatch
    ?.split(",")
    .some((t) => tags.has(t.trim().replace(/^W\//, "")));
  if (matches) return { status: 304, headers, bytes: null, sendBody: false };
  headers["Content-Type"] = page.contentType;
  if (picked) headers["Content-Encoding"] = picked.coding;
  const bytes = picked?.body ?? page.plain;
  return { status: 200, headers, bytes, sendBody: request.method !== "HEAD" };
}
