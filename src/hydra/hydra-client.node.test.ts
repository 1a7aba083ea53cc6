import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import apiJobsets from "../../test/fixtures/hydra/api-jobsets.synthetic.json" with { type: "json" };
import manualBuild from "../../test/fixtures/hydra/build-24670686.hydra-manual.json" with {
  type: "json",
};
import constituents from "../../test/fixtures/hydra/constituents.synthetic.json" with {
  type: "json",
};
import cliEval from "../../test/fixtures/hydra/eval-1525352.hydra-cli.json" with { type: "json" };
import latestBuilds from "../../test/fixtures/hydra/latestbuilds.synthetic.json" with {
  type: "json",
};
import { UpstreamError } from "../errors.ts";
import { type LoopbackServer, serveOnLoopback } from "../sim/serve.node.ts";
import type { HydraApi } from "./hydra-api.ts";
import { createHydraClient, type HydraClientOptions } from "./hydra-client.ts";
import { HydraRequestError } from "./hydra-response.ts";

const UA = "floodgate-test/0.1 (+https://example.org/floodgate; ops@example.org)";
const TESTED = { project: "nixos", jobset: "unstable", job: "tested" };
const HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
const BIG_BODY = `[${"1,".repeat(2000)}1]`;

const hits = new Map<string, number[]>();
const seenHeaders: Array<{ accept?: string; ua?: string }> = [];
let server: LoopbackServer;
let closedUrl: string;

function countHit(path: string): number {
  const list = hits.get(path) ?? [];
  list.push(performance.now());
  hits.set(path, list);
  return list.length;
}
const hitCount = (path: string) => hits.get(path)?.length ?? 0;

function fakeHydra(): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    countHit(c.req.path);
    seenHeaders.push({ accept: c.req.header("accept"), ua: c.req.header("user-agent") });
    await next();
  });
  app.get("/job/nixos/unstable/tested/latest-finished", (c) =>
    c.redirect("https://hydra.example.org/build/271234567", 302),
  );
  app.get("/job/nixos/unstable/nothing/latest-finished", (c) =>
    c.json({ error: "There is no successful build to redirect to." }, 404),
  );
  app.get("/job/nixos/trunk-combined/tested/latest-finished", (c) =>
    c.redirect("/job/nixos/unstable/tested/latest-finished", 301),
  );
  app.get("/job/nixos/unstable/broken/latest-finished", (c) => c.redirect("/somewhere/else", 302));
  app.get("/eval/1830001/job/nixos.channel", (c) => c.redirect("/build/271230001", 302));
  app.get("/eval/1830001/job/missing", (c) =>
    c.json({ error: "This evaluation has no job with the specified name." }, 404),
  );
  app.get("/api/latestbuilds", (c) =>
    c.req.query("nr") === "2" && c.req.query("job") === "tested"
      ? c.json([...latestBuilds].reverse())
      : c.json({ error: "Parameter not defined!" }, 500),
  );
  app.get("/api/jobsets", (c) => c.json(apiJobsets));
  app.get("/build/24670686", (c) => c.json(manualBuild));
  app.get("/build/271234567/constituents", (c) => c.json(constituents));
  app.get("/eval/1525352", (c) => c.json(cliEval));
  app.get("/build/999", (c) => c.json({ error: "Build with ID 999 doesn't exist." }, 404));
  app.get("/build/403", (c) => c.html("<html>Forbidden</html>", 403));
  app.get("/build/500", (c) => c.html(HTML_PAGE, 502));
  app.get("/build/429", (c) =>
    hitCount(c.req.path) === 1
      ? c.json({ error: "Too many requests" }, 429, { "Retry-After": "1" })
      : c.json({ ...manualBuild, id: 429 }),
  );
  app.get("/build/4290", (c) =>
    c.json({ error: "Too many requests" }, 429, { "Retry-After": "3600" }),
  );
  app.get("/build/777", async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return c.json(manualBuild);
  });
  app.get("/build/200", (c) => c.html(HTML_PAGE, 200));
  app.get("/build/201", (c) =>
    c.body('{"id":201,"finished":1,"buildst', 200, { "content-type": "application/json" }),
  );
  app.get("/build/202", (c) => c.json({ ...manualBuild, id: 202, finished: "yes" }));
  app.get("/build/203", (c) => c.json({ ...manualBuild, id: "two hundred", buildstatus: "ok" }));
  app.get("/build/204", (c) => c.json({ ...manualBuild, id: 1 }));
  app.get("/build/205/constituents", (c) =>
    c.json([constituents[0], { ...constituents[1], finished: "done" }]),
  );
  app.get("/build/206", (c) => c.body(BIG_BODY, 200, { "content-type": "application/json" }));
  app.get("/build/207", (c) => {
    const chunk = new TextEncoder().encode(BIG_BODY);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    return c.body(stream, 200, { "content-type": "application/json" });
  });
  app.get("/build/271230001/download/1", (c) =>
    c.redirect("/build/271230001/download/1/nixexprs.tar.xz", 302),
  );
  app.get("/build/271230001/download/1/nixexprs.tar.xz", (c) =>
    c.body(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), 200, {
      "content-type": "application/x-xz",
    }),
  );
  app.get("/build/271230001/download/2/stalls.iso", (c) => {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new Uint8Array([1, 2, 3])),
    });
    return c.body(stream, 200, { "content-type": "application/octet-stream" });
  });
  return app;
}

function client(overrides: Partial<HydraClientOptions> = {}): HydraApi {
  return createHydraClient({
    baseUrl: server.url,
    userAgent: UA,
    requestsPerSecond: 1000,
    timeoutMs: 2000,
    attempts: 3,
    baseBackoffMs: 10,
    sleep: async () => {},
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<HydraRequestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  expect(err).toBeInstanceOf(HydraRequestError);
  return err as HydraRequestError; // safe because of the instanceof assertion above
}

beforeAll(async () => {
  server = await serveOnLoopback(fakeHydra());
  const closed = await serveOnLoopback(new Hono());
  closedUrl = closed.url;
  await closed.close();
});
afterAll(() => server?.close());
beforeEach(() => {
  hits.clear();
  seenHeaders.length = 0;
});

describe("redirect endpoints", () => {
  it("reads the build id of latest-finished from an absolute Location without following it", async () => {
    await expect(client().latestFinished(TESTED)).resolves.toBe(271234567);
    expect(hitCount("/build/271234567")).toBe(0);
  });

  it("reads a relative Location from /eval/<id>/job/<job>", async () => {
    await expect(client().evalJobBuildId(1830001, "nixos.channel")).resolves.toBe(271230001);
  });

  it("gives null on 404", async () => {
    const hydra = client();
    await expect(hydra.latestFinished({ ...TESTED, job: "nothing" })).resolves.toBeNull();
    await expect(hydra.evalJobBuildId(1830001, "missing")).resolves.toBeNull();
  });

  it("follows a 301 from a renamed jobset to the new name", async () => {
    const renamed = { ...TESTED, jobset: "trunk-combined" };
    await expect(client().latestFinished(renamed)).resolves.toBe(271234567);
  });

  it("refuses a redirect that does not lead to a build", async () => {
    const err = await failure(client().latestFinished({ ...TESTED, job: "broken" }));
    expect(err.code).toBe("HYDRA_BAD_REDIRECT");
  });
});

describe("JSON endpoints", () => {
  it("sends Accept: application/json and the User-Agent on every request", async () => {
    const hydra = client();
    await hydra.build(24670686);
    await hydra.latestFinished(TESTED);
    await hydra.jobsets("nixos");
    expect(seenHeaders).toHaveLength(3);
    for (const headers of seenHeaders)
      expect(headers).toEqual({ accept: "application/json", ua: UA });
  });

  it("parses a build, an eval, constituents, latestbuilds and jobsets", async () => {
    const hydra = client();
    await expect(hydra.build(24670686)).resolves.toMatchObject({ finished: true, buildstatus: 0 });
    const evaluation = await hydra.evaluation(1525352);
    expect(evaluation.jobsetevalinputs.nixpkgs?.revision).toMatch(/^[0-9a-f]{40}$/);
    const members = await hydra.constituents(271234567);
    expect(members.map((b) => b.job)).toContain("nixos.tests.acme.aarch64-linux");
    const latest = await hydra.latestBuilds(TESTED, 2);
    expect(latest.map((b) => b.id)).toEqual([271234567, 271100042]);
    const jobsets = await hydra.jobsets("nixos");
    expect(jobsets[0]?.nrscheduled).toBe(4123);
  });

  it("throws HYDRA_NOT_FOUND with Hydra's message for a missing build, without retrying", async () => {
    const err = await failure(client().build(999));
    expect(err).toMatchObject({ code: "HYDRA_NOT_FOUND", retryable: false });
    expect(err.message).toContain("Build with ID 999 doesn't exist.");
    expect(err.context).toMatchObject({ url: `${server.url}/build/999`, status: 404 });
    expect(hitCount("/build/999")).toBe(1);
  });

  it("does not retry other 4xx answers", async () => {
    const err = await failure(client({ attempts: 4 }).build(403));
    expect(err).toMatchObject({ code: "HYDRA_HTTP_4XX", retryable: false });
    expect(hitCount("/build/403")).toBe(1);
  });

  it("gives the public links", () => {
    const hydra = createHydraClient({ baseUrl: "https://hydra.nixos.org/", userAgent: UA });
    expect(hydra.buildUrl(271234567)).toBe("https://hydra.nixos.org/build/271234567");
    expect(hydra.evalUrl(1830001)).toBe("https://hydra.nixos.org/eval/1830001");
  });
});

describe("retries", () => {
  it("waits at least Retry-After on 429 and then succeeds", async () => {
    const waits: number[] = [];
    const hydra = client({ sleep: async (ms) => void waits.push(ms) });
    await expect(hydra.build(429)).resolves.toMatchObject({ id: 429, finished: true });
    expect(hitCount("/build/429")).toBe(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
  });

  it("does not wait for a Retry-After beyond the cap", async () => {
    const waits: number[] = [];
    const hydra = client({ sleep: async (ms) => void waits.push(ms), maxRetryAfterMs: 60_000 });
    const err = await failure(hydra.build(4290));
    expect(err).toMatchObject({
      code: "HYDRA_RATE_LIMITED",
      retryable: true,
      retryAfterMs: 3_600_000,
    });
    expect(waits).toEqual([]);
  });

  it("ends a 5xx storm with a typed retryable error after exactly `attempts` requests", async () => {
    const waits: number[] = [];
    const hydra = client({ attempts: 4, sleep: async (ms) => void waits.push(ms) });
    const err = await failure(hydra.build(500));
    expect(err).toMatchObject({ code: "HYDRA_HTTP_5XX", retryable: true });
    expect(err.context).toMatchObject({ url: `${server.url}/build/500`, status: 502 });
    expect(hitCount("/build/500")).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it("times out a slow server with HYDRA_TIMEOUT", async () => {
    const started = performance.now();
    const err = await failure(client({ timeoutMs: 100, attempts: 2 }).build(777));
    expect(err).toMatchObject({ code: "HYDRA_TIMEOUT", retryable: true });
    expect(hitCount("/build/777")).toBe(2);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it("reports a refused connection as HYDRA_NETWORK", async () => {
    const hydra = client({ baseUrl: closedUrl, attempts: 2 });
    const err = await failure(hydra.build(1));
    expect(err).toMatchObject({ code: "HYDRA_NETWORK", retryable: true });
    expect(err.context).toMatchObject({ url: `${closedUrl}/build/1` });
  });
});

describe("bad bodies never become results", () => {
  it("calls an HTML page with status 200 HYDRA_NOT_JSON", async () => {
    const err = await failure(client().build(200));
    expect(err).toMatchObject({ code: "HYDRA_NOT_JSON", retryable: true });
    expect(hitCount("/build/200")).toBe(3);
    expect(err.message).toMatch(/text\/html.*<html>/);
  });

  it("calls truncated JSON HYDRA_NOT_JSON", async () => {
    const err = await failure(client().build(201));
    expect(err.code).toBe("HYDRA_NOT_JSON");
  });

  it('names the field when finished is "yes", and does not retry', async () => {
    const err = await failure(client().build(202));
    expect(err).toMatchObject({ code: "HYDRA_BAD_SHAPE", retryable: false });
    expect(err.message).toContain('finished: expected a 0/1 flag (got "yes")');
    expect(hitCount("/build/202")).toBe(1);
  });

  it("names every wrongly typed field", async () => {
    const err = await failure(client().build(203));
    expect(err.code).toBe("HYDRA_BAD_SHAPE");
    expect(err.message).toMatch(/id: .*"two hundred"/);
    expect(err.message).toMatch(/buildstatus: .*"ok"/);
  });

  it("refuses a build whose id is not the one asked for", async () => {
    const err = await failure(client().build(204));
    expect(err.message).toContain("id: expected 204, got 1");
  });

  it("points at the bad element of a constituents list", async () => {
    const err = await failure(client().constituents(205));
    expect(err.message).toContain("1.finished");
  });

  it("refuses a body over the cap, by Content-Length or while streaming", async () => {
    const hydra = client({ maxBodyBytes: 1000 });
    expect((await failure(hydra.build(206))).code).toBe("HYDRA_TOO_LARGE");
    expect((await failure(hydra.build(207))).code).toBe("HYDRA_TOO_LARGE");
  });
});

describe("download", () => {
  it("streams a build product, following the canonical-name redirect", async () => {
    const hydra = client();
    const stream = await hydra.download(271230001, "1", "nixexprs.tar.xz");
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    expect([...bytes]).toEqual([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
  });

  it("fails a stream that stalls with HYDRA_TIMEOUT instead of hanging", async () => {
    const stream = await client({ timeoutMs: 100 }).download(271230001, "2", "stalls.iso");
    const reader = stream.getReader();
    await expect(reader.read()).resolves.toMatchObject({ done: false });
    await expect(reader.read()).rejects.toMatchObject({ code: "HYDRA_TIMEOUT" });
  });

  it("throws HYDRA_NOT_FOUND for a missing product", async () => {
    const err = await failure(client().download(271230001, "2", "nope.tar.xz"));
    expect(err.code).toBe("HYDRA_NOT_FOUND");
  });
});

describe("rate limit", () => {
  it("never lets more than N requests start in any one-second window", async () => {
    const perSecond = 5;
    await client().jobsets("warm-up"); // the first fetch of a process pays for setting up undici
    hits.clear();
    const hydra = client({ requestsPerSecond: perSecond });
    await Promise.all(Array.from({ length: perSecond + 1 }, () => hydra.jobsets("nixos")));
    const times = hits.get("/api/jobsets") ?? [];
    expect(times).toHaveLength(perSecond + 1);
    const jitterMs = 25; // server-side arrival times wobble a little around the client's start times
    // perSecond + 1 requests span at least one second; single gaps wobble with arrival times.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1000 - jitterMs);
    const inWindow = (t: number) => times.filter((s) => s >= t && s < t + 1000 - jitterMs).length;
    expect(Math.max(...times.map(inWindow))).toBeLessThanOrEqual(perSecond);
  });
});
