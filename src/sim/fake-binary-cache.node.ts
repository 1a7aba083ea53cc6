import { execFileSync } from "node:child_process";
import { brotliCompressSync } from "node:zlib";
import { Hono } from "hono";
import { type Chaos, flippedByte } from "./chaos.ts";
import { chaosMiddleware } from "./chaos-middleware.node.ts";
import { type FaultBody, faultBodyResponse } from "./fault-body.ts";
import { createFaultList, type FaultList, type FaultMatch } from "./fault-list.ts";
import { type NarTree, narListing, writeNar } from "./nar-writer.ts";
import { serveOnLoopback } from "./serve.node.ts";

export interface CacheFault extends FaultMatch {
  /** Answer with this status instead. */
  status?: number;
  /** Send only the first `truncate` bytes of the body, then end the response. */
  truncate?: number;
  /** Answer 200 with a body that floods or drips (see `FaultBody`). */
  wireBody?: FaultBody;
}

interface CachedPath {
  storePath: string;
  tree: NarTree;
  compression: "xz" | "zstd";
  /** How `.ls` is stored: zstd under the plain name (new uploads) or brotli with Content-Encoding. */
  listing: "zstd" | "br" | "missing";
  nar: Uint8Array;
  /** The encoded `.ls`, made on its first request. */
  listingBytes?: Uint8Array;
}

export interface AddPathOptions {
  compression?: "xz" | "zstd";
  listing?: "zstd" | "br" | "missing";
}

export interface FakeBinaryCache {
  url: string;
  /** Requests by path, in order. */
  requests: string[];
  faults: FaultList<CacheFault>;
  add(storePath: string, tree: NarTree, opts?: AddPathOptions): void;
  has(storePath: string): boolean;
  /** Forgets a path's narinfo (as if it was never pushed); its NAR stays. */
  dropNarInfo(storePath: string): void;
  /** Replaces one file inside a cached path (its narinfo then lies about the product). */
  replaceFile(storePath: string, inside: string, contents: Uint8Array): void;
  close(): Promise<void>;
}

const hashOf = (storePath: string) =>
  storePath.slice("/nix/store/".length, "/nix/store/".length + 32);

function compress(format: "xz" | "zstd", bytes: Uint8Array): Uint8Array {
  const args = format === "xz" ? ["xz", ["-c", "-T1", "-3"]] : ["zstd", ["-c", "-q", "-3"]];
  const [cmd, flags] = args as [string, string[]];
  return new Uint8Array(execFileSync(cmd, flags, { input: bytes, maxBuffer: 1 << 30 }));
}

/** A binary cache on loopback in cache.nixos.org's layout: narinfo, `nar/…` in xz or zstd, `.ls`. */
export async function startFakeBinaryCache(opts: { chaos?: Chaos } = {}): Promise<FakeBinaryCache> {
  const paths = new Map<string, CachedPath>();
  const droppedInfo = new Set<string>();
  const requests: string[] = [];
  const faults = createFaultList<CacheFault>();
  const app = new Hono();

  app.use(async (c, next) => {
    const path = new URL(c.req.url).pathname;
    requests.push(path);
    const fault = faults.take(c.req.method, path);
    if (fault?.rule.status !== undefined) return c.body("fault", fault.rule.status as 500);
    if (fault?.rule.wireBody) return faultBodyResponse(fault.rule.wireBody);
    await next();
    if (fault?.rule.truncate !== undefined) {
      const full = new Uint8Array(await c.res.arrayBuffer());
      c.res = new Response(full.slice(0, fault.rule.truncate), { headers: c.res.headers });
    }
  });

  app.use(
    chaosMiddleware(opts.chaos, "cache", {
      serverError: () => new Response("502 Bad Gateway", { status: 502 }),
      // The NAR of the same files with one byte changed: it decodes, and its sha256 is wrong.
      wrongBytes: async (c, served) => {
        const entry = paths.get(c.req.path.slice("/nar/".length, "/nar/".length + 32));
        if (!entry) return served;
        const nar = compress(entry.compression, writeNar(withFlippedFile(entry.tree)));
        return new Response(new Uint8Array(nar), { status: 200, headers: served.headers });
      },
    }),
  );

  app.get("/nix-cache-info", (c) =>
    c.text("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n"),
  );

  app.get("/:file", (c) => {
    const file = c.req.param("file");
    const [hash = "", ext = ""] = file.split(".");
    const entry = paths.get(hash);
    if (!entry) return c.text("404", 404);
    if (ext === "narinfo" && !droppedInfo.has(hash)) {
      const narFile = `${hash}.nar.${entry.compression === "xz" ? "xz" : "zst"}`;
      const lines = [
        `StorePath: ${entry.storePath}`,
        `URL: nar/${narFile}`,
        `Compression: ${entry.compression}`,
        `FileSize: ${entry.nar.byteLength}`,
        `NarSize: ${writeNar(entry.tree).byteLength}`,
        "References: ",
      ];
      return c.body(`${lines.join("\n")}\n`, 200, { "Content-Type": "text/x-nix-narinfo" });
    }
    if (ext === "ls" && entry.listing !== "missing") {
      entry.listingBytes ??= encodeListing(entry.listing, entry.tree);
      // cache.nixos.org today: new listings are zstd with no Content-Encoding (nix-index#320).
      const encoding: Record<string, string> =
        entry.listing === "br" ? { "Content-Encoding": "br" } : {};
      return c.body(new Uint8Array(entry.listingBytes), 200, {
        "Content-Type": "application/json",
        ...encoding,
      });
    }
    return c.text("404", 404);
  });

  app.get("/nar/:file", (c) => {
    const hash = c.req.param("file").slice(0, 32);
    const entry = paths.get(hash);
    if (!entry) return c.text("404", 404);
    return c.body(new Uint8Array(entry.nar), 200, { "Content-Type": "application/x-nix-nar" });
  });

  const server = await serveOnLoopback(app);
  const put = (entry: Omit<CachedPath, "nar">) => {
    paths.set(hashOf(entry.storePath), {
      ...entry,
      nar: compress(entry.compression, writeNar(entry.tree)),
    });
  };
  return {
    url: server.url,
    requests,
    faults,
    add(storePath, tree, opts = {}) {
      put({
        storePath,
        tree,
        compression: opts.compression ?? "xz",
        listing: opts.listing ?? "zstd",
      });
    },
    has: (storePath) => paths.has(hashOf(storePath)),
    dropNarInfo: (storePath) => droppedInfo.add(hashOf(storePath)),
    replaceFile(storePath, inside, contents) {
      const entry = paths.get(hashOf(storePath));
      if (!entry) throw new Error(`fake cache: no ${storePath}`);
      const tree = withFile(entry.tree, inside.split("/"), contents);
      put({ ...entry, tree, listingBytes: undefined });
    },
    close: () => server.close(),
  };
}

/** The tree with one byte changed in its largest file. */
function withFlippedFile(tree: NarTree): NarTree {
  if (tree.type === "regular") return { ...tree, contents: flippedByte(tree.contents) };
  if (tree.type !== "directory") return tree;
  const sizeOf = (t: NarTree): number =>
    t.type === "regular"
      ? t.contents.byteLength
      : t.type === "directory"
        ? Math.max(0, ...Object.values(t.entries).map(sizeOf))
        : 0;
  const [name, child] =
    Object.entries(tree.entries).sort(([, a], [, b]) => sizeOf(b) - sizeOf(a))[0] ?? [];
  if (name === undefined || child === undefined) return tree;
  return { ...tree, entries: { ...tree.entries, [name]: withFlippedFile(child) } };
}

function encodeListing(kind: "zstd" | "br", tree: NarTree): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(narListing(tree)));
  return kind === "zstd" ? compress("zstd", json) : new Uint8Array(brotliCompressSync(json));
}

function withFile(tree: NarTree, path: string[], contents: Uint8Array): NarTree {
  const [head, ...rest] = path;
  if (head === undefined || tree.type !== "directory") return { type: "regular", contents };
  const child = tree.entries[head] ?? { type: "directory", entries: {} };
  return { ...tree, entries: { ...tree.entries, [head]: withFile(child, rest, contents) } };
}
