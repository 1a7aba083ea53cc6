import { type Context, Hono } from "hono";
import type { BlobInfo, BlobStore } from "../../publish/blob-store.ts";
import { INDEX_FILE, isSafeSegment } from "../../publish/release-paths.ts";
import { IMMUTABLE, planFileResponse } from "./file-response.ts";

export { parseRange } from "./file-response.ts";

export interface ReleaseRoutesDeps {
  store: BlobStore;
}

const PREFIX = "/releases/";
/**
 * `GET|HEAD /releases/<dir…>/<release>` (the index page, no trailing slash, as releases.nixos.org)
 * and `/releases/<dir…>/<release>/<file>`, with ETag, conditional and range requests.
 */
export function releaseRoutes(deps: ReleaseRoutesDeps): Hono {
  const app = new Hono();

  app.get("/releases/*", async (c) => {
    const path = parseReleasePath(new URL(c.req.url).pathname);
    if (path.kind === "bad") return problem(c, 400, "BAD_REQUEST", path.message);
    if (path.kind === "too-long") return problem(c, 414, "URI_TOO_LONG", path.message);
    if (path.kind === "none") return problem(c, 404, "NOT_FOUND", "no such release or file");

    if (path.trailingSlash) {
      // Relative links on the index page only resolve from the URL without the slash.
      if (!(await deps.store.head(`${path.key}/${INDEX_FILE}`))) {
        return problem(c, 404, "NOT_FOUND", "no such release");
      }
      c.header("Cache-Control", IMMUTABLE);
      return c.redirect(`${PREFIX}${path.raw}`, 301);
    }

    const fileInfo = await deps.store.head(path.key);
    const key = fileInfo ? path.key : `${path.key}/${INDEX_FILE}`;
    const info = fileInfo ?? (await deps.store.head(key));
    if (!info) return problem(c, 404, "NOT_FOUND", `nothing at /releases/${path.key}`);
    return serveObject(c, deps.store, key, info);
  });

  return app;
}

async function serveObject(c: Context, store: BlobStore, key: string, info: BlobInfo) {
  const plan = planFileResponse(c.req.method, (name) => c.req.header(name), key, info);
  if (!plan.body || plan.status === 304) return c.body(null, plan.status, plan.headers);
  const range = plan.status === 206 ? plan.body : undefined;
  const blob = await store.get(key, range);
  if (!blob) return problem(c, 404, "NOT_FOUND", `nothing at /releases/${key}`);
  return c.body(blob.body, plan.status, { ...plan.headers, ETag: `"${blob.etag}"` });
}

type ReleasePath =
  | { kind: "ok"; key: string; raw: string; trailingSlash: boolean }
  | { kind: "bad"; message: string }
  | { kind: "too-long"; message: string }
  | { kind: "none" };

// Real release paths are under 100 bytes; filesystems refuse names over 255 bytes (NAME_MAX) and
// paths over 4096 (PATH_MAX), which would otherwise surface as a storage error.
const MAX_KEY_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Reads the raw (still percent-encoded) path so that encoded slashes can be told from real ones. */
export function parseReleasePath(pathname: string): ReleasePath {
  if (!pathname.startsWith(PREFIX)) return { kind: "none" };
  let raw = pathname.slice(PREFIX.length);
  const trailingSlash = raw.endsWith("/");
  if (trailingSlash) raw = raw.slice(0, -1);
  if (raw === "") return { kind: "none" };
  // Percent-encoding at most triples a byte; checked before decoding anything.
  if (raw.length > 3 * MAX_KEY_BYTES) return tooLong();
  if (/%(2f|5c|00)/i.test(raw))
    return { kind: "bad", message: "encoded separators are not allowed" };
  const segments: string[] = [];
  for (const part of raw.split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return { kind: "bad", message: "malformed percent-encoding in the path" };
    }
    if (utf8Length(segment) > MAX_SEGMENT_BYTES) return tooLong();
    if (!isSafeSegment(segment)) return { kind: "bad", message: `bad path segment "${part}"` };
    segments.push(segment);
  }
  const key = segments.join("/");
  if (utf8Length(key) > MAX_KEY_BYTES) return tooLong();
  return { kind: "ok", key, raw, trailingSlash };
}

function tooLong(): ReleasePath {
  const message = `release paths are at most ${MAX_KEY_BYTES} bytes, ${MAX_SEGMENT_BYTES} per segment`;
  return { kind: "too-long", message };
}

function problem(c: Context, status: 400 | 404 | 414, code: string, message: string) {
  c.header("Cache-Control", "no-store");
  return c.json({ error: { code, message } }, status);
}
