import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsStore } from "../../publish/fs-store.node.ts";
import { type LoopbackServer, serveOnLoopback } from "../../sim/serve.node.ts";
import { parseRange, releaseRoutes } from "./releases.ts";

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const RELEASE = "/releases/nixos/unstable/nixos-26.11pre1046609.643809054d65";
const TARBALL = "0123456789abcdefghij";

describe("releaseRoutes", () => {
  let root: string;
  let app: ReturnType<typeof releaseRoutes>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-release-routes-"));
    const store = createFsStore(root);
    const key = RELEASE.slice("/releases/".length);
    await store.put(`${key}/nixexprs.tar.xz`, TARBALL);
    await store.put(`${key}/packages.json.br`, "br-bytes");
    await store.put(`${key}/index.html`, "<html>index</html>");
    app = releaseRoutes({ store });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("serves the index page at the release URL without a trailing slash", async () => {
    const res = await app.request(RELEASE);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe("<html>index</html>");
  });

  it("redirects the release URL with a trailing slash to the one without", async () => {
    const res = await app.request(`${RELEASE}/`);
    expect(res.status).toBe(301);
    expect(res.headers.get("Location")).toBe(RELEASE);
  });

  it("serves a file with a strong ETag, length and immutable caching", async () => {
    const res = await app.request(`${RELEASE}/nixexprs.tar.xz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBe(`"${sha256(TARBALL)}"`);
    expect(res.headers.get("Content-Length")).toBe(String(TARBALL.length));
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(await res.text()).toBe(TARBALL);
  });

  it("serves brotli JSON with its content encoding", async () => {
    const res = await app.request(`${RELEASE}/packages.json.br`);
    expect(res.headers.get("Content-Type")).toBe("application/json");
    expect(res.headers.get("Content-Encoding")).toBe("br");
    // Read to the end: the stream closes its file then, not when collected.
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    const res = await app.request(`${RELEASE}/nixexprs.tar.xz`, {
      headers: { "If-None-Match": `W/"nope", "${sha256(TARBALL)}"` },
    });
    expect(res.status).toBe(304);
    expect(res.headers.get("ETag")).toBe(`"${sha256(TARBALL)}"`);
    expect(await res.text()).toBe("");
  });

  it("answers a byte range with 206 and Content-Range", async () => {
    const res = await app.request(`${RELEASE}/nixexprs.tar.xz`, {
      headers: { Range: "bytes=2-5" },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes 2-5/${TARBALL.length}`);
    expect(res.headers.get("Content-Length")).toBe("4");
    expect(await res.text()).toBe("2345");

    const suffix = await app.request(`${RELEASE}/nixexprs.tar.xz`, {
      headers: { Range: "bytes=-3" },
    });
    expect(suffix.status).toBe(206);
    expect(await suffix.text()).toBe("hij");
  });

  it("answers an unsatisfiable range with 416", async () => {
    const res = await app.request(`${RELEASE}/nixexprs.tar.xz`, {
      headers: { Range: "bytes=100-" },
    });
    expect(res.status).toBe(416);
    expect(res.headers.get("Content-Range")).toBe(`bytes */${TARBALL.length}`);
  });

  it("ignores the range when If-Range names another version", async () => {
    const res = await app.request(`${RELEASE}/nixexprs.tar.xz`, {
      headers: { Range: "bytes=2-5", "If-Range": '"other"' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(TARBALL);
  });

  it("answers HEAD with the headers and no body", async () => {
    const res = await app.request(`${RELEASE}/nixexprs.tar.xz`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Length")).toBe(String(TARBALL.length));
    expect(res.headers.get("ETag")).toBe(`"${sha256(TARBALL)}"`);
    expect(await res.text()).toBe("");
  });

  it("answers 404 for missing releases and files", async () => {
    expect((await app.request(`${RELEASE}/nixexprs.tar.zst`)).status).toBe(404);
    expect((await app.request("/releases/nixos/unstable/nixos-1.0")).status).toBe(404);
    const res = await app.request("/releases/nixos/unstable/nixos-1.0/");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("answers 400 for traversal, encoded slashes and internal file names", async () => {
    for (const path of [
      "/releases/nixos/unstable/..%2F..%2Fetc%2Fpasswd",
      "/releases/nixos/%2e%2e%2fsecret",
      "/releases/nixos/unstable/a%5Cb",
      "/releases/nixos//unstable",
      `${RELEASE}/.nixexprs.tar.xz.meta.json`,
      "/releases/nixos/%E0%A4%A",
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "BAD_REQUEST" } });
    }
  });

  it("answers 414 for paths longer than any release path, before touching storage", async () => {
    for (const path of [
      `/releases/${"a".repeat(4200)}`, // one segment over NAME_MAX
      `/releases/${"abcdefghi/".repeat(420)}x`, // many short ones over PATH_MAX
      `/releases/nixos/${"é".repeat(200)}`, // 200 characters, 400 bytes
      `/releases/nixos/${"%C3%A9".repeat(200)}`,
      `${RELEASE}/${"x".repeat(1000)}`,
    ]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await app.request(path, { method });
        expect(res.status, `${method} ${path.slice(0, 40)}`).toBe(414);
        if (method === "GET") {
          expect(await res.json()).toEqual({
            error: { code: "URI_TOO_LONG", message: expect.stringMatching(/at most 1024 bytes/) },
          });
        }
      }
    }
  });
});

describe("parseRange", () => {
  it("parses single ranges and ignores what it cannot serve as one", () => {
    expect(parseRange("bytes=0-0", 10)).toEqual({ kind: "range", start: 0, end: 0 });
    expect(parseRange("bytes=5-", 10)).toEqual({ kind: "range", start: 5, end: 9 });
    expect(parseRange("bytes=5-99", 10)).toEqual({ kind: "range", start: 5, end: 9 });
    expect(parseRange("bytes=-20", 10)).toEqual({ kind: "range", start: 0, end: 9 });
    expect(parseRange("bytes=0-1,4-5", 10)).toEqual({ kind: "none" });
    expect(parseRange("items=0-1", 10)).toEqual({ kind: "none" });
    expect(parseRange("bytes=5-2", 10)).toEqual({ kind: "none" });
    expect(parseRange(undefined, 10)).toEqual({ kind: "none" });
    expect(parseRange("bytes=10-", 10)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 10)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });
});

describe("releaseRoutes over HTTP", () => {
  let root: string;
  let server: LoopbackServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-release-http-"));
    const store = createFsStore(root);
    await store.put(`${RELEASE.slice("/releases/".length)}/nixexprs.tar.xz`, TARBALL);
    await writeFile(join(root, "secret"), "not for you");
    server = await serveOnLoopback(releaseRoutes({ store }));
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it("streams the file, answers HEAD with its length and serves ranges", async () => {
    const get = await fetch(`${server.url}${RELEASE}/nixexprs.tar.xz`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe(TARBALL);
    const head = await fetch(`${server.url}${RELEASE}/nixexprs.tar.xz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe(String(TARBALL.length));
    const range = await fetch(`${server.url}${RELEASE}/nixexprs.tar.xz`, {
      headers: { Range: "bytes=10-" },
    });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe("abcdefghij");
  });

  it("never serves a file outside the store for a raw .. path", async () => {
    const raw = await rawGet(server.port, "/releases/nixos/../../secret");
    expect(raw).not.toContain("not for you");
    expect(raw).toMatch(/^HTTP\/1\.1 (400|404)/);
  });
});

function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}
