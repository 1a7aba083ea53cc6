import { open, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../log.ts";
import type { FsStore, LocalBlob } from "../../publish/fs-store.node.ts";
import { INDEX_FILE } from "../../publish/release-paths.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import type { PageCache } from "../routes/cached-pages.ts";
import { planFileResponse } from "../routes/file-response.ts";
import { parseReleasePath } from "../routes/releases.ts";
import { commitAnswers, type KeptLookups } from "./commit-answers.node.ts";
import { createFileSender } from "./file-stream.node.ts";
import { pageAnswers } from "./page-answers.node.ts";
import { type FlatHeaders, preparedRedirects } from "./prepared-redirects.ts";
import { carriesAny, header } from "./request-headers.node.ts";

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastPathDeps {
  readModel: ChannelReadModel;
  /** The app's renderings of pages and JSON: fresh ones are served from here (`PageCache.judge`). */
  pages?: PageCache;
  channels: string[];
  publicUrl: string;
  /** Release files on disk; without it (S3 storage) files are the app's to serve. */
  store?: FsStore;
  logger: Logger;
  /** Headers the app puts on every response (security headers), from `everyResponseHeaders`. */
  commonHeaders?: Record<string, string>;
  /** The lookup routes' kept answers: commits asked about again are served from here. */
  lookups?: KeptLookups;
}

// Per-response headers: the fast path sets its own or none (no error bodies, so no request id).
const PER_RESPONSE = new Set([
  "content-type",
  "content-length",
  "cache-control",
  "x-request-id",
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
]);

/** The headers the app adds to every response, read from its answer to a path nothing serves. */
export async function everyResponseHeaders(app: {
  request(path: string): Response | Promise<Response>;
}): Promise<Record<string, string>> {
  const res = await app.request("/.well-known/floodgate-header-probe");
  return Object.fromEntries([...res.headers].filter(([name]) => !PER_RESPONSE.has(name)));
}

// Small immutable files (git-revision, index pages) are kept in memory, re-checked on disk each minute.
const SMALL_FILE = 64 * 1024;
const SMALL_FILES_TOTAL = 32 * 1024 * 1024;
const RECHECK_MS = 60_000;

interface Kept {
  blob: LocalBlob;
  key: string;
  bytes: Buffer;
  at: number;
  /** The plain 200's headers, planned once: most requests carry no conditional or range. */
  plain: FlatHeaders;
}

// Request headers that change a file's answer.
const isConditional = carriesAny(["range", "if-none-match", "if-modified-since"]);
const isPlainGet = (req: IncomingMessage) => req.method === "GET" && !isConditional(req);

/**
 * `/<channel>[/<file>]` redirects, `/releases/…` files, fresh renderings of pages and kept commit
 * lookups answered by Node itself, from the read model, the file store, the page cache and the
 * lookups' answers: no router, no Web streams, no database. Anything else (a page's miss, expiry
 * or change, which the app renders), any error and any request it is unsure about goes to
 * `fallback` (the Hono app), which answers the same way.
 */
export function publicFastPath(deps: FastPathDeps, fallback: Listener): Listener {
  const common = deps.commonHeaders ?? {};
  const sendFile = createFileSender();
  const redirect = preparedRedirects({
    channels: deps.channels,
    origin: deps.publicUrl.replace(/\/+$/, ""),
    commonHeaders: common,
    snapshot: () => deps.readModel.peek(),
  });
  const servePage = deps.pages
    ? pageAnswers({ readModel: deps.readModel, pages: deps.pages, commonHeaders: common })
    : () => false;
  const serveLookup = deps.lookups
    ? commitAnswers({ ...deps.lookups, readModel: deps.readModel, commonHeaders: common })
    : () => false;
  // By URL path: a hit skips parsing and decoding it (only paths without '%' get here).
  const kept = new Map<string, Kept>();
  let keptBytes = 0;

  const keep = (path: string, key: string, blob: LocalBlob, bytes: Buffer) => {
    if (keptBytes + bytes.byteLength > SMALL_FILES_TOTAL) {
      kept.clear();
      keptBytes = 0;
    }
    const old = kept.get(path);
    keptBytes += bytes.byteLength - (old?.bytes.byteLength ?? 0);
    const planned = planFileResponse("GET", () => undefined, key, blob).headers;
    const plain = Object.entries({ ...common, ...planned }).flat();
    kept.set(path, { blob, key, bytes, at: Date.now(), plain });
  };

  /** Answers from the file's description: in-memory `bytes`, or streamed from its file. */
  const send = async (
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    blob: LocalBlob,
    bytes?: Buffer,
  ) => {
    const plan = planFileResponse(req.method ?? "GET", (name) => header(req, name), key, blob);
    const headers = { ...common, ...plan.headers };
    if (!plan.body) return void res.writeHead(plan.status, headers).end();
    const { start, end } = plan.body;
    if (bytes) return void res.writeHead(plan.status, headers).end(bytes.subarray(start, end + 1));
    // Opened before the headers go out: a file gone since its description is the app's to answer.
    const file = await open(blob.path, "r").catch(() => null);
    if (!file) return fallback(req, res);
    try {
      res.writeHead(plan.status, headers);
      await sendFile(res, file, start, end);
    } catch (err) {
      deps.logger.warn("file stream failed", { path: blob.path, error: String(err) });
      res.destroy();
    } finally {
      await file.close();
    }
  };

  const serveFile = async (
    req: IncomingMessage,
    res: ServerResponse,
    store: FsStore,
    path: string,
    requested: string,
  ) => {
    let key = requested;
    let blob = await store.local(key);
    if (!blob) {
      key = `${requested}/${INDEX_FILE}`;
      blob = await store.local(key);
    }
    if (!blob) return fallback(req, res);
    if (blob.size > SMALL_FILE) return send(req, res, key, blob);
    const bytes = await readFile(blob.path).catch(() => null);
    if (!bytes || bytes.byteLength !== blob.size) return fallback(req, res);
    keep(path, key, blob, bytes);
    return send(req, res, key, blob, bytes);
  };

  return (req, res) => {
    const method = req.method;
    if (method !== "GET" && method !== "HEAD") return fallback(req, res);
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    if (path.includes("%")) return fallback(req, res);

    if (!path.startsWith("/releases/")) {
      const headers = redirect(path);
      if (headers) {
        res.writeHead(302, headers);
        return void res.end();
      }
      if (serveLookup(req, res, path)) return;
      if (!servePage(req, res, path, query === -1 ? "" : url.slice(query))) fallback(req, res);
      return;
    }
    const hit = kept.get(path);
    if (hit && Date.now() - hit.at < RECHECK_MS) {
      if (!isPlainGet(req)) return void send(req, res, hit.key, hit.blob, hit.bytes);
      res.writeHead(200, hit.plain);
      return void res.end(hit.bytes);
    }
    const store = deps.store;
    if (!store) return fallback(req, res);
    const release = parseReleasePath(path);
    if (release.kind !== "ok" || release.trailingSlash) return fallback(req, res);
    serveFile(req, res, store, path, release.key).catch((err: unknown) => {
      deps.logger.warn("fast path failed; answering through the app", { error: String(err) });
      if (!res.headersSent) fallback(req, res);
      else res.destroy();
    });
  };
}
