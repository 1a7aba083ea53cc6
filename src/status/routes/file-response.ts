import type { BlobInfo } from "../../publish/blob-store.ts";
import { contentEncodingFor } from "../../publish/content-types.ts";

// Release files never change once written, so clients and CDNs may keep them for a year.
export const IMMUTABLE = "public, max-age=31536000, immutable";

export type ByteRange =
  | { kind: "none" }
  | { kind: "unsatisfiable" }
  | { kind: "range"; start: number; end: number };

/** What to answer for a stored file, before any byte is read: shared by the Hono route and Node's fast path. */
export interface FileResponsePlan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The bytes to send (inclusive), or none (HEAD, 304, 416). */
  body: { start: number; end: number } | null;
}

/**
 * Conditional (`If-None-Match`, `If-Modified-Since`), `HEAD` and single-range requests for an
 * immutable file whose size, ETag and modification time are known.
 */
export function planFileResponse(
  method: string,
  header: (name: string) => string | undefined,
  key: string,
  info: BlobInfo,
): FileResponsePlan {
  const etag = `"${info.etag}"`;
  const lastModified = info.lastModified?.toUTCString();
  const validators: Record<string, string> = { ETag: etag, "Cache-Control": IMMUTABLE };
  if (lastModified) validators["Last-Modified"] = lastModified;
  const headers: Record<string, string> = {
    ...validators,
    "Accept-Ranges": "bytes",
    "Content-Type": info.contentType,
  };
  const encoding = contentEncodingFor(key);
  if (encoding) headers["Content-Encoding"] = encoding;

  const ifNoneMatch = header("If-None-Match");
  if (
    ifNoneMatch !== undefined
      ? etagMatches(ifNoneMatch, info.etag)
      : notModifiedSince(header("If-Modified-Since"), info.lastModified)
  ) {
    return { status: 304, headers: validators, body: null };
  }
  if (method === "HEAD") {
    return {
      status: 200,
      headers: { ...headers, "Content-Length": String(info.size) },
      body: null,
    };
  }
  const ifRange = header("If-Range");
  const rangeHeader =
    ifRange === undefined ||
    ifRange === etag ||
    (lastModified !== undefined && ifRange === lastModified)
      ? header("Range")
      : undefined;
  const range = parseRange(rangeHeader, info.size);
  if (range.kind === "unsatisfiable") {
    return {
      status: 416,
      headers: { ...headers, "Content-Range": `bytes */${info.size}` },
      body: null,
    };
  }
  if (range.kind === "none") {
    const body = info.size > 0 ? { start: 0, end: info.size - 1 } : null;
    return { status: 200, headers: { ...headers, "Content-Length": String(info.size) }, body };
  }
  const { start, end } = range;
  headers["Content-Length"] = String(end - start + 1);
  headers["Content-Range"] = `bytes ${start}-${end}/${info.size}`;
  return { status: 206, headers, body: { start, end } };
}

/** One `bytes=` range (RFC 9110 §14.1.2); several ranges or bad syntax are ignored (full body). */
export function parseRange(header: string | undefined, size: number): ByteRange {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return { kind: "none" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "none" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "none" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", start, end };
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === `"${etag}"`);
}

function notModifiedSince(header: string | undefined, lastModified: Date | undefined): boolean {
  if (!header || !lastModified) return false;
  const since = Date.parse(header);
  // HTTP dates have whole seconds; the file's mtime has more.
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
