import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Release } from "../../db/schema.ts";
import { silentLogger } from "../../log.ts";
import { createFsStore } from "../../publish/fs-store.node.ts";
import type { LoopbackServer } from "../../sim/serve.node.ts";
import { channelPointer } from "../read-model/channel-pointer.ts";
import { createChannelReadModel } from "../read-model/channel-read-model.ts";
import { channelRedirectRoutes } from "../routes/channel-redirect.ts";
import { releaseRoutes } from "../routes/releases.ts";
import { publicFastPath } from "./public-fast-path.node.ts";
import { serveHttp } from "./serve-http.node.ts";

const NAME = "nixos-26.11pre1046609.643809054d65";
const KEY = `nixos/unstable/${NAME}`;
const SECRET = "floodgate-fuzz-secret-7f3a9c";
const release = {
  name: NAME,
  revision: "643809054d6578d8a5d4e6a8b6d0f7c2b7f3c1aa",
  revisionCommittedAt: new Date("2026-08-21T09:00:00Z"),
  createdAt: new Date("2026-08-21T10:00:00Z"),
} as Release;

/**
 * One request with the path exactly as written: `fetch` and `app.request` normalise `..` and
 * percent-encoding before a server sees them, and the fast path reads the raw request line.
 */
function rawGet(server: LoopbackServer, path: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
  });
}

// Pieces of hostile paths: climbs in every spelling, separators, NULs, the planted file's name.
const piece = fc.oneof(
  fc.constantFrom(
    "releases",
    "nixos",
    "unstable",
    "nixos-unstable",
    NAME,
    "git-revision",
    "nixexprs.tar.xz",
    "secret.txt",
    "store-x",
    "..",
    ".",
    "",
    "%2e%2e",
    "%2E%2e",
    ".%2e",
    "%2f",
    "%2F..",
    "..%2f",
    "..%5c",
    "%5c",
    "\\..",
    "%00",
    "secret.txt%00.html",
    "%252e%252e",
    "%c0%ae%c0%ae",
    ";",
    "?",
    "#",
  ),
  fc.string({ unit: fc.constantFrom(..."abcXYZ019.-_~%:@!$&'()*+,;=\\"), maxLength: 12 }),
);
// Half start inside what is served, where a climb would begin.
const prefix = fc.constantFrom("", "/releases", `/releases/${KEY}`, "/nixos-unstable");
const piecesPath = fc
  .tuple(prefix, fc.array(piece, { minLength: 1, maxLength: 8 }))
  .map(([start, pieces]) => `${start}/${pieces.join("/")}`);
// Climbs aimed at the planted files, which random pieces would rarely line up: from /releases
// one `..` (in any spelling) reaches the folder above the store, from inside a release four.
const climbStep = fc.constantFrom("..", "%2e%2e", ".%2e", "%2E%2E", "\\..");
const climbPath = fc
  .tuple(
    fc.constantFrom({ start: "/releases", depth: 1 }, { start: `/releases/${KEY}`, depth: 4 }),
    fc.array(climbStep, { minLength: 4, maxLength: 4 }),
    fc.constantFrom("secret.txt", "store-x/secret.txt", "store-x%2fsecret.txt"),
  )
  .map(
    ([{ start, depth }, steps, target]) => `${start}/${steps.slice(0, depth).join("/")}/${target}`,
  );
const rawPath = fc.oneof(piecesPath, climbPath);

describe("the fast path under raw hostile paths", () => {
  let root: string;
  let server: LoopbackServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-raw-fuzz-"));
    const storeRoot = join(root, "store");
    const store = createFsStore(storeRoot);
    await store.put(`${KEY}/git-revision`, release.revision);
    await store.put(`${KEY}/nixexprs.tar.xz`, "tarball");
    // Above the store, and in a sibling whose name starts like the store's (a prefix check
    // without the separator would let `../store-x/` through): what a climb out would reach.
    await writeFile(join(root, "secret.txt"), SECRET);
    await mkdir(join(root, "store-x"));
    await writeFile(join(root, "store-x", "secret.txt"), SECRET);
    const readModel = createChannelReadModel({
      load: async () => new Map([["nixos-unstable", { row: null, release }]]),
      maxAgeMs: 60_000,
    });
    await readModel.refresh();
    const publicUrl = "http://floodgate.test";
    const app = new Hono().route("/", releaseRoutes({ store })).route(
      "/",
      channelRedirectRoutes({
        knownChannels: () => ["nixos-unstable"],
        publicUrl,
        lookup: async (channel) => channelPointer(await readModel.current(), channel),
      }),
    );
    const deps = {
      readModel,
      channels: ["nixos-unstable"],
      publicUrl,
      store,
      logger: silentLogger,
    };
    server = await serveHttp(app, {
      port: 0,
      hostname: "127.0.0.1",
      front: (fallback) => publicFastPath(deps, fallback),
    });
  });
  afterAll(async () => {
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("serves the release as written, and what the climbs reach is not the planted file", async () => {
    const served = await rawGet(server, `/releases/${KEY}/git-revision`);
    expect(served.status).toBe(200);
    expect(served.text.endsWith(release.revision)).toBe(true);
    // The files are there: only the path rules keep them out.
    for (const path of [
      "/releases/../secret.txt",
      "/releases/%2e%2e/secret.txt",
      "/releases/../store-x/secret.txt",
      `/releases/${KEY}/../../../../secret.txt`,
    ]) {
      const answer = await rawGet(server, path);
      expect(answer.text, path).not.toContain(SECRET);
    }
  });

  it("answers 400 rather than 500 and never serves a file outside the release tree (500 seeded paths)", async () => {
    const answered = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(rawPath, async (path) => {
        const { status, text } = await rawGet(server, path);
        answered.set(status, (answered.get(status) ?? 0) + 1);
        expect(status, path).toBeGreaterThanOrEqual(200);
        expect(status, path).toBeLessThan(500);
        expect(text, path).not.toContain(SECRET);
      }),
      { numRuns: 500, seed: 20261128 },
    );
    // The runs reached the release tree, not only 404s: the property was tested where it matters.
    expect(answered.get(302) ?? 0).toBeGreaterThan(0);
    expect(answered.get(400) ?? 0).toBeGreaterThan(0);
  });
});
