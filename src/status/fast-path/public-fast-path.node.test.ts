import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Release } from "../../db/schema.ts";
import { silentLogger } from "../../log.ts";
import { createFsStore } from "../../publish/fs-store.node.ts";
import type { LoopbackServer } from "../../sim/serve.node.ts";
import { channelPointer } from "../read-model/channel-pointer.ts";
import { createChannelReadModel } from "../read-model/channel-read-model.ts";
import { channelRedirectRoutes } from "../routes/channel-redirect.ts";
import { releaseRoutes } from "../routes/releases.ts";
import { everyResponseHeaders, publicFastPath } from "./public-fast-path.node.ts";
import { serveHttp } from "./serve-http.node.ts";

const NAME = "nixos-26.11pre1046609.643809054d65";
const KEY = `nixos/unstable/${NAME}`;
const REV = "643809054d6578d8a5d4e6a8b6d0f7c2b7f3c1aa";
const BIG = randomBytes(200 * 1024);
const release = {
  name: NAME,
  revision: REV,
  revisionCommittedAt: new Date("2026-08-21T09:00:00Z"),
  createdAt: new Date("2026-08-21T10:00:00Z"),
} as Release;

describe("publicFastPath", () => {
  let root: string;
  let fast: LoopbackServer;
  let slow: LoopbackServer;
  const fallbacks: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-fast-path-"));
    const store = createFsStore(root);
    await store.put(`${KEY}/git-revision`, REV);
    await store.put(`${KEY}/nixexprs.tar.xz`, BIG);
    await store.put(`${KEY}/options.json.br`, "br");
    await store.put(`${KEY}/index.html`, "<html>index</html>");
    const readModel = createChannelReadModel({
      load: async () =>
        new Map([
          ["nixos-unstable", { row: null, release }],
          ["nixos-26.11", { row: null, release: null }],
        ]),
      maxAgeMs: 60_000,
    });
    await readModel.refresh();
    const publicUrl = "http://floodgate.test";
    const app = new Hono();
    app.use(async (c, next) => {
      fallbacks.push(c.req.path);
      await next();
    });
    app.use(secureHeaders({ xFrameOptions: "DENY", strictTransportSecurity: false }));
    app.route("/", releaseRoutes({ store }));
    app.route(
      "/",
      channelRedirectRoutes({
        knownChannels: () => ["nixos-unstable", "nixos-26.11"],
        publicUrl,
        lookup: async (channel) => channelPointer(await readModel.current(), channel),
      }),
    );
    const deps = {
      readModel,
      channels: ["nixos-unstable", "nixos-26.11"],
      publicUrl,
      store,
      logger: silentLogger,
      commonHeaders: await everyResponseHeaders(app),
    };
    fallbacks.length = 0;
    fast = await serveHttp(app, {
      port: 0,
      hostname: "127.0.0.1",
      front: (fallback) => publicFastPath(deps, fallback),
    });
    slow = await serveHttp(app, { port: 0, hostname: "127.0.0.1" });
  });
  afterAll(async () => {
    await fast.close();
    await slow.close();
    await rm(root, { recursive: true, force: true });
  });

  const HEADERS = [
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "location",
    "link",
    "cache-control",
    "etag",
    "last-modified",
    "content-type",
    "content-encoding",
    "content-length",
    "content-range",
    "accept-ranges",
  ];
  async function both(path: string, init: RequestInit = {}) {
    const ask = async (server: LoopbackServer) => {
      const res = await fetch(`${server.url}${path}`, { redirect: "manual", ...init });
      const headers = Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)]));
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers, body };
    };
    fallbacks.length = 0;
    const fastAnswer = await ask(fast);
    const answeredByApp = fallbacks.length > 0;
    return { fast: fastAnswer, app: await ask(slow), answeredByApp };
  }

  it("answers redirects itself, exactly as the app does", async () => {
    for (const path of [
      "/nixos-unstable",
      "/nixos-unstable/nixexprs.tar.xz",
      "/nixos-unstable/git-revision?x=1",
      "/nixos-unstable/latest-nixos-minimal-x86_64-linux.iso",
    ]) {
      const { fast: f, app, answeredByApp } = await both(path);
      expect(answeredByApp, path).toBe(false);
      expect(f.status, path).toBe(302);
      // An explicit empty body keeps the connection reusable; the app leaves the length out.
      expect(f.headers, path).toEqual({ ...app.headers, "content-length": "0" });
    }
    const head = await both("/nixos-unstable", { method: "HEAD" });
    expect(head.fast.headers.location).toBe(`http://floodgate.test/releases/${KEY}`);
  });

  it("serves release files with ETag, Last-Modified, ranges and 304s, as the app does", async () => {
    const path = `/releases/${KEY}/git-revision`;
    const first = await both(path);
    expect(first.fast.body.toString()).toBe(REV);
    expect(first.fast.headers["last-modified"]).toMatch(/GMT$/);
    const etag = first.fast.headers.etag ?? "";
    const lastModified = first.fast.headers["last-modified"] ?? "";
    const cases: [string, RequestInit][] = [
      [path, {}],
      [path, { method: "HEAD" }],
      [path, { headers: { "If-None-Match": etag } }],
      [path, { headers: { "If-Modified-Since": lastModified } }],
      [path, { headers: { Range: "bytes=2-5" } }],
      [path, { headers: { Range: "bytes=99-" } }],
      [`/releases/${KEY}/nixexprs.tar.xz`, {}],
      [`/releases/${KEY}/nixexprs.tar.xz`, { headers: { Range: "bytes=-1000" } }],
      [`/releases/${KEY}/options.json.br`, {}],
      [`/releases/${KEY}`, {}],
    ];
    for (const [p, init] of cases) {
      const { fast: f, app, answeredByApp } = await both(p, init);
      const label = `${p} ${JSON.stringify(init)}`;
      expect(answeredByApp, label).toBe(false);
      expect(f.status, label).toBe(app.status);
      expect(f.headers, label).toEqual(app.headers);
      expect(f.body.equals(app.body), label).toBe(true);
    }
    expect((await both(path, { headers: { "If-None-Match": etag } })).fast.status).toBe(304);
    const big = await both(`/releases/${KEY}/nixexprs.tar.xz`);
    expect(big.fast.body.equals(BIG)).toBe(true);
  });

  it("leaves errors and anything unusual to the app", async () => {
    for (const path of [
      "/nixos-26.11",
      "/nixos-nope",
      "/nixos-unstable/..%2Fsecret",
      `/releases/${KEY}/`,
      `/releases/${KEY}/missing`,
      "/api/v1/channels",
    ]) {
      const { fast: f, app, answeredByApp } = await both(path);
      expect(answeredByApp, path).toBe(true);
      expect(f.status, path).toBe(app.status);
    }
  });
});
