import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, defaultReadModel } from "../../src/app.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { LoopbackServer } from "../../src/sim/serve.node.ts";
import { everyResponseHeaders } from "../../src/status/fast-path/public-fast-path.node.ts";
import { createPageCache } from "../../src/status/routes/cached-pages.ts";
import { serveBehindFastPath } from "../support/fast-path-server.ts";
import { type Harness, startHarness } from "../support/harness.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** As sent: still compressed when a Content-Encoding says so. */
  body: Buffer;
}

/** One request as a client sends it (no decoding, no default headers beyond Host). */
function send(url: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? "GET", headers: init.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const PER_ANSWER = new Set(["x-request-id", "date", "connection", "keep-alive", "content-length"]);
const sameHeaders = (a: Answer & { byFastPath?: boolean }) =>
  Object.fromEntries(Object.entries(a.headers).filter(([name]) => !PER_ANSWER.has(name)));

/** The fast path handed these paths to the app. */
const toApp: string[] = [];
/** `send`, and whether the fast path answered it without the app. */
async function ask(url: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const before = toApp.length;
  const answer = await send(url, init);
  return { ...answer, byFastPath: toApp.length === before };
}
const byFastPath = (a: { byFastPath: boolean }) => a.byFastPath;

describe("pages served by Node's fast path from the app's renderings", () => {
  let h: Harness;
  let server: LoopbackServer;
  beforeEach(async () => {
    h = await startHarness();
    const readModel = defaultReadModel(h.deps);
    const pages = createPageCache();
    const app = createApp({ ...h.deps, readModel, pageCache: pages });
    const deps = {
      readModel,
      pages,
      channels: h.config.channels.map((c) => c.name),
      publicUrl: h.config.publicUrl,
      logger: h.deps.logger,
      commonHeaders: await everyResponseHeaders(app),
    };
    server = await serveBehindFastPath(app, deps, toApp);
  });
  afterEach(async () => {
    await server.close();
    await h.close();
  });

  const nixos = () => h.channel("nixos-unstable");
  async function advance(): Promise<string> {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({ kind: "advanced" });
    return ev.releaseName;
  }

  it("answers a rendered page as the app did: ETag and 304, br and gzip, HEAD; a flip shows at once", {
    timeout: 120_000,
  }, async () => {
    h.seedBranches();
    const first = await advance();
    for (const path of ["/", "/channels/nixos-unstable", "/api/v1/channels"]) {
      const url = `${server.url}${path}`;
      const rendered = await ask(url);
      expect(rendered.status, path).toBe(200);
      expect(byFastPath(rendered), path).toBe(false);
      expect(rendered.body.toString(), path).toContain(first);

      const again = await ask(url);
      expect(byFastPath(again), path).toBe(true);
      expect(sameHeaders(again), path).toEqual(sameHeaders(rendered));
      expect(again.headers["content-length"], path).toBe(String(rendered.body.byteLength));
      expect(again.body.equals(rendered.body), path).toBe(true);

      const etag = String(again.headers.etag);
      const revalidated = await ask(url, { headers: { "If-None-Match": etag } });
      expect([revalidated.status, byFastPath(revalidated)], path).toEqual([304, true]);
      expect(revalidated.headers.etag, path).toBe(etag);
      expect(revalidated.body.byteLength, path).toBe(0);

      const br = await ask(url, { headers: { "Accept-Encoding": "gzip, deflate, br" } });
      expect([br.headers["content-encoding"], byFastPath(br)], path).toEqual(["br", true]);
      expect(brotliDecompressSync(br.body).equals(rendered.body), path).toBe(true);
      expect(br.headers.etag, path).toBe(`${etag.slice(0, -1)}-br"`);
      const gz = await ask(url, { headers: { "Accept-Encoding": "gzip" } });
      expect(gz.headers["content-encoding"], path).toBe("gzip");
      expect(gunzipSync(gz.body).equals(rendered.body), path).toBe(true);
      const brRevalidated = await ask(url, {
        headers: { "If-None-Match": String(br.headers.etag), "Accept-Encoding": "br" },
      });
      expect(brRevalidated.status, path).toBe(304);

      const head = await ask(url, { method: "HEAD" });
      expect([head.status, byFastPath(head), head.body.byteLength], path).toEqual([200, true, 0]);
      expect(sameHeaders(head), path).toEqual(sameHeaders(again));
      expect(head.headers["content-length"], path).toBe(String(rendered.body.byteLength));
    }

    const before = await ask(`${server.url}/`);
    h.sim.github.model.commit("master", "nix: 2.31 -> 2.32");
    const second = await advance();
    for (const path of ["/", "/channels/nixos-unstable", "/api/v1/channels"]) {
      const changed = await ask(`${server.url}${path}`, {
        headers: { "If-None-Match": String(before.headers.etag) },
      });
      expect(changed.status, path).toBe(200);
      expect(changed.body.toString(), path).toContain(second);
    }
    const served = await ask(`${server.url}/`);
    expect(byFastPath(served)).toBe(true);
    expect(served.body.toString()).toContain(second);
  });

  it("leaves what it has no fresh rendering of to the app", { timeout: 60_000 }, async () => {
    h.seedBranches();
    await advance();
    const lag = `${server.url}/api/v1/channels/nixos-unstable/lag?days=30`;
    expect(byFastPath(await ask(lag))).toBe(false);
    expect(byFastPath(await ask(lag))).toBe(true);
    // Another `days` is another rendering; other queries are the same one.
    expect(byFastPath(await ask(`${lag.slice(0, -2)}7`))).toBe(false);
    expect(byFastPath(await ask(`${lag}&junk=1`))).toBe(true);
    // A client that accepts only deflate gets the app's per-request compression.
    const deflate = await ask(lag, { headers: { "Accept-Encoding": "deflate" } });
    expect([deflate.status, byFastPath(deflate)]).toEqual([200, false]);
    for (const path of ["/api/v1/commits/abcdef1", "/channels/nope", "/metrics?x"]) {
      expect(byFastPath(await ask(`${server.url}${path}`)), path).toBe(false);
    }
  });
});
