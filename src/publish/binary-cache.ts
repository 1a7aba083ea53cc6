import { UpstreamError } from "../errors.ts";
import { retry } from "../retry.ts";
import type { Compression } from "./codec.ts";

export interface NarInfo {
  storePath: string;
  url: string;
  compression: Compression;
  narSize?: number;
}

/** The parts of a Nix binary cache floodgate reads (cache.nixos.org's layout). */
export interface BinaryCache {
  readonly baseUrl: string;
  /** `<hash>.narinfo`, or null when the cache does not have the path. */
  narInfo(storePath: string): Promise<NarInfo | null>;
  /** The (compressed) NAR a narinfo points at. */
  nar(info: NarInfo): Promise<ReadableStream<Uint8Array>>;
  /** `<hash>.ls`, still encoded (zstd or brotli, whatever the header says), or null when missing. */
  listing(storePath: string): Promise<ReadableStream<Uint8Array> | null>;
  /** Requests sent so far (for the log and the benchmarks). */
  requests(): number;
}

export interface BinaryCacheOptions {
  baseUrl: string;
  userAgent: string;
  fetch?: typeof fetch;
  attempts?: number;
  baseBackoffMs?: number;
  timeoutMs?: number;
}

const COMPRESSIONS: Record<string, Compression> = {
  xz: "xz",
  zstd: "zstd",
  none: "none",
  br: "br",
};

/** `/nix/store/<hash>-name/…` → `<hash>`. */
export function storePathHash(path: string): string {
  const match = /^\/nix\/store\/([0-9a-df-np-sv-z]{32})-[^/]+/.exec(path);
  if (!match?.[1]) {
    throw new UpstreamError("BAD_STORE_PATH", `not a store path: ${path}`, { retryable: false });
  }
  return match[1];
}

/** `/nix/store/<hash>-name/a/b` → [`/nix/store/<hash>-name`, `a/b`]. */
export function splitStorePath(path: string): [string, string] {
  const match = /^(\/nix\/store\/[^/]+)\/?(.*)$/.exec(path);
  return [match?.[1] ?? path, match?.[2] ?? ""];
}

export function parseNarInfo(text: string, url: string): NarInfo {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(": ");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2).trim());
  }
  const storePath = fields.get("StorePath");
  const narUrl = fields.get("URL");
  const compression = COMPRESSIONS[fields.get("Compression") ?? "bzip2"];
  if (!storePath || !narUrl || !compression) {
    const missing = !storePath
      ? "StorePath"
      : !narUrl
        ? "URL"
        : `Compression ${fields.get("Compression") ?? "(none: bzip2)"}`;
    throw new UpstreamError("BAD_NARINFO", `${url}: unusable narinfo (${missing})`, {
      retryable: false,
      url,
    });
  }
  const narSize = Number(fields.get("NarSize"));
  return {
    storePath,
    url: narUrl,
    compression,
    narSize: Number.isFinite(narSize) ? narSize : undefined,
  };
}

/** An HTTP binary cache: retries 5xx and cut connections with backoff, 404 is an answer. */
export function createBinaryCache(opts: BinaryCacheOptions): BinaryCache {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let sent = 0;

  const get = (url: string): Promise<Response | null> =>
    retry(
      async () => {
        sent++;
        let res: Response;
        try {
          res = await doFetch(url, {
            headers: { "User-Agent": opts.userAgent },
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (cause) {
          throw new UpstreamError("CACHE_UNREACHABLE", `binary cache ${url}: ${String(cause)}`, {
            retryable: true,
            url,
            cause,
          });
        }
        if (res.status === 404 || res.status === 403) {
          await res.body?.cancel();
          return null;
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw new UpstreamError("CACHE_STATUS", `binary cache ${url}: HTTP ${res.status}`, {
            retryable: res.status >= 500 || res.status === 429,
            url,
            status: res.status,
          });
        }
        return res;
      },
      { attempts: opts.attempts ?? 4, baseMs: opts.baseBackoffMs ?? 500 },
    );

  return {
    baseUrl: base,
    async narInfo(storePath) {
      const url = `${base}/${storePathHash(storePath)}.narinfo`;
      const res = await get(url);
      return res ? parseNarInfo(await res.text(), url) : null;
    },
    async nar(info) {
      const url = new URL(info.url, `${base}/`).toString();
      const res = await get(url);
      if (!res?.body) {
        throw new UpstreamError("CACHE_NAR_MISSING", `binary cache has no ${url}`, {
          retryable: false,
          url,
        });
      }
      return res.body;
    },
    async listing(storePath) {
      const res = await get(`${base}/${storePathHash(storePath)}.ls`);
      return res?.body ?? null;
    },
    requests: () => sent,
  };
}
