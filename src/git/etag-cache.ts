import type { Octokit } from "octokit";
import { RequestError } from "octokit";
import type { UpstreamCache } from "../db/upstream-cache.ts";

type Headers = Record<string, string | number | undefined>;

interface CachedResponse {
  url: string;
  headers: Headers;
  data: unknown;
}

/** Bodies bigger than this (a compare listing files) are not kept: they would bloat the store. */
export const MAX_CACHED_BODY_CHARS = 256 * 1024;

// Kept: what callers read from a response (paging, rate limit); not cookies, dates or ids.
const KEPT_HEADERS = /^(link|etag|last-modified|content-type|x-ratelimit-.*)$/;

function keptHeaders(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => KEPT_HEADERS.test(name)));
}

function cachedResponse(body: unknown): CachedResponse | null {
  if (typeof body !== "object" || body === null) return null;
  const { url, headers, data } = body as Partial<CachedResponse>;
  if (typeof url !== "string" || typeof headers !== "object" || headers === null) return null;
  return { url, headers, data };
}

/**
 * Makes every GET conditional: remembers each URL's ETag and body in `store`, sends
 * `If-None-Match`, and answers a 304 with the remembered body. GitHub does not count
 * authenticated 304s against the rate limit, so idle polls are free, in a fresh process too.
 */
export function installEtagCache(
  octokit: Octokit,
  store: UpstreamCache,
  now: () => Date = () => new Date(),
): void {
  octokit.hook.wrap("request", async (request, options) => {
    if (options.method !== "GET") return request(options);
    const key = `github ${octokit.request.endpoint.parse(options).url}`;
    const known = await store.get(key);
    const cached = known?.etag ? cachedResponse(known.body) : null;
    // Hooks share one options object down the chain (before-after-hook binds it), so set in place.
    if (cached && known?.etag) options.headers["if-none-match"] = known.etag;
    try {
      const response = await request(options);
      const etag = response.headers.etag;
      // Octokit hands over a body it could not read or parse as a string: never worth keeping
      // (a 304 would answer it again for as long as the resource does not change).
      if (etag && typeof response.data === "object" && response.data !== null) {
        const body = {
          url: response.url,
          headers: keptHeaders(response.headers),
          data: response.data,
        };
        if (JSON.stringify(body).length <= MAX_CACHED_BODY_CHARS) {
          await store.put(key, { etag, body, storedAt: now() });
        }
      }
      return response;
    } catch (err) {
      if (!cached || !(err instanceof RequestError) || err.status !== 304) throw err;
      await store.touch(key, now());
      const headers = { ...cached.headers, ...err.response?.headers };
      return { status: 200, url: cached.url, headers, data: cached.data };
    }
  });
}
