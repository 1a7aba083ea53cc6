import type { Octokit } from "octokit";
import { RequestError } from "octokit";

interface CachedResponse {
  etag: string;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

/**
 * Makes every GET conditional: remembers each URL's ETag and body, sends `If-None-Match`, and
 * answers a 304 with the remembered body. GitHub does not count authenticated 304s against the
 * rate limit, so idle polls are free. Least recently used entries go first past `maxEntries`.
 */
export function installEtagCache(octokit: Octokit, maxEntries = 500): { size(): number } {
  const cache = new Map<string, CachedResponse>();
  const remember = (key: string, entry: CachedResponse) => {
    cache.delete(key);
    cache.set(key, entry);
    for (const oldest of cache.keys()) {
      if (cache.size <= maxEntries) break;
      cache.delete(oldest);
    }
  };

  octokit.hook.wrap("request", async (request, options) => {
    if (options.method !== "GET") return request(options);
    const key = octokit.request.endpoint.parse(options).url;
    const cached = cache.get(key);
    // Hooks share one options object down the chain (before-after-hook binds it), so set in place.
    if (cached) options.headers["if-none-match"] = cached.etag;
    try {
      const response = await request(options);
      const etag = response.headers.etag;
      // Octokit hands over a body it could not read or parse as a string: never worth keeping
      // (a 304 would answer it again for as long as the resource does not change).
      if (etag && typeof response.data === "object" && response.data !== null) {
        const { url, headers, data } = response;
        remember(key, { etag, url, headers, data });
      }
      return response;
    } catch (err) {
      if (!cached || !(err instanceof RequestError) || err.status !== 304) throw err;
      remember(key, cached);
      const headers = { ...cached.headers, ...err.response?.headers };
      return { status: 200, url: cached.url, headers, data: cached.data };
    }
  });
  return { size: () => cache.size };
}
