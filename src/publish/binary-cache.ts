import {
  byteCap,
  LISTING_CAPS,
  limitDownload,
  neverAborted,
  refuseOversized,
} from "../download-limits.ts";
import { AppError, UpstreamError } from "../errors.ts";
import { retry } from "../retry.ts";
import { bytesStream, type Compression } from "./codec.ts";

export interface NarInfo {
  storePath: string;
  url: string;
  compression: Compression;
  /** The NAR's size once decompressed. */
  narSize?: number;
  /** The compressed NAR's size (what `url` serves). */
  fileSize?: number;
}

/** The parts of a Nix binary cache floodgate reads (cache.nixos.org's layout). */
export interface BinaryCache {
  readonly baseUrl: string;
  /** `<hash>.narinfo`, or null when the cache does not have the path; `signal` ends the wait. */
  narInfo(storePath: string, signal?: AbortSignal): Promise<NarInfo | null>;
  /** The (compressed) NAR a narinfo points at, capped at its `FileSize` (plus margin). */
  nar(info: NarInfo, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /**
   * `<hash>.ls`, still encoded (zstd or brotli, whatever the header says), or null when missing;
   * a body over the listing cap errors with DOWNLOAD_TOO_LARGE (before reading, by Content-Length).
   */
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
  /** Until the headers arrive; for narinfo and `.ls` also while the body is read. */
  timeoutMs?: number;
  /** Cap of one `.ls` as sent (default LISTING_CAPS.compressedBytes). */
  maxListingBytes?: number;
}

// A narinfo is a few hundred bytes; anything this large is not one.
const MAX_NARINFO_BYTES = 64 * 1024;

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
  return {
    storePath,
    url: narUrl,
    compression,
    narSize: sizeField(fields.get("NarSize")),
    fileSize: sizeField(fields.get("FileSize")),
  };
}

function sizeField(value: string | undefined): number | undefined {
  return value && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** An HTTP binary cache: retries 5xx and cut connections with backoff, 404 is an answer. */
export function createBinaryCache(opts: BinaryCacheOptions): BinaryCache {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let sent = 0;

  /**
   * GETs `url`; `signal` (a download's deadline) aborts it. A whole-request timeout covers the
   * body too, except for NARs: those may take long, and their deadline bounds them instead.
   */
  const get = (
    url: string,
    req: { signal?: AbortSignal; bodyTimeout: boolean },
  ): Promise<Response | null> =>
    retry(
      async () => {
        sent++;
        const headers = new AbortController();
        const timer = setTimeout(
          () => headers.abort(new DOMException("binary cache did not answer", "TimeoutError")),
          timeoutMs,
        );
        const timeout = req.bodyTimeout ? AbortSignal.timeout(timeoutMs) : headers.signal;
        let res: Response;
        try {
          res = await doFetch(url, {
            headers: { "User-Agent": opts.userAgent },
            signal: req.signal ? AbortSignal.any([timeout, req.signal]) : timeout,
          });
        } catch (cause) {
          // The deadline's own typed error says more than "aborted" and is not retried.
          if (cause instanceof AppError) throw cause;
          throw new UpstreamError("CACHE_UNREACHABLE", `binary cache ${url}: ${String(cause)}`, {
            retryable: true,
            url,
            cause,
          });
        } finally {
          clearTimeout(timer);
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
    async narInfo(storePath, signal) {
      const url = `${base}/${storePathHash(storePath)}.narinfo`;
      const res = await get(url, { signal, bodyTimeout: true });
      if (!res) return null;
      const budget = {
        maxBytes: MAX_NARINFO_BYTES,
        capReason: "a narinfo is a few hundred bytes",
        signal: signal ?? neverAborted(),
      };
      await refuseOversized(res, budget, url);
      const text = await new Response(
        limitDownload(res.body ?? bytesStream(""), budget, url),
      ).text();
      return parseNarInfo(text, url);
    },
    async nar(info, signal) {
      const url = new URL(info.url, `${base}/`).toString();
      const res = await get(url, { signal, bodyTimeout: false });
      if (!res?.body) {
        throw new UpstreamError("CACHE_NAR_MISSING", `binary cache has no ${url}`, {
          retryable: false,
          url,
        });
      }
      const budget = { ...byteCap(info.fileSize, "the narinfo's FileSize"), signal };
      await refuseOversized(res, budget, url);
      return limitDownload(res.body, budget, url);
    },
    async listing(storePath) {
      const url = `${base}/${storePathHash(storePath)}.ls`;
      const res = await get(url, { bodyTimeout: true });
      if (!res) return null;
      const maxBytes = opts.maxListingBytes ?? LISTING_CAPS.compressedBytes;
      // The request's own timeout bounds the time; this bounds the bytes.
      const budget = { maxBytes, capReason: "the .ls listing cap", signal: neverAborted() };
      await refuseOversized(res, budget, url);
      return limitDownload(res.body ?? bytesStream(""), budget, url);
    },
    requests: () => sent,
  };
}
