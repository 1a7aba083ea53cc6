import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeHydra, hydraFaults, startFakeHydra } from "./fake-hydra.node.ts";
import type { CreatedEval } from "./hydra-model.ts";
import { makeNixexprs } from "./nixexprs.node.ts";

const JSON_ACCEPT = { Accept: "application/json" };
const BUILD_KEYS = [
  "id",
  "finished",
  "timestamp",
  "starttime",
  "stoptime",
  "project",
  "jobset",
  "job",
  "nixname",
  "system",
  "priority",
  "buildstatus",
  "releasename",
  "drvpath",
  "jobsetevals",
  "buildoutputs",
  "buildproducts",
  "buildmetrics",
].sort();

describe("fake Hydra over HTTP", () => {
  let hydra: FakeHydra;
  let done: CreatedEval;
  let pending: CreatedEval;
  let nixexprs: Uint8Array;
  const get = (path: string, headers: Record<string, string> = JSON_ACCEPT) =>
    fetch(`${hydra.url}${path}`, { headers, redirect: "manual" });

  beforeAll(async () => {
    hydra = await startFakeHydra({ now: () => new Date("2026-10-01T00:00:00Z") });
    nixexprs = await makeNixexprs("nixos-26.11pre100003.0123456789ab", {
      "default.nix": '{ ... }: { hello = "world"; }\n',
    });
    const spec = {
      project: "nixos",
      jobset: "unstable",
      revision: "0123456789abcdef0123456789abcdef01234567",
      aggregateJob: "tested",
      releaseName: "nixos-26.11pre100003.0123456789ab",
      constituents: [
        { job: "nixos.tests.zfs.x86_64-linux", system: "x86_64-linux" },
        { job: "nixos.channel", system: "x86_64-linux" },
        { job: "nixos.tests.acme.x86_64-linux", system: "x86_64-linux" },
      ],
      productJob: "nixos.channel",
      nixexprs,
    };
    done = await hydra.model.createEval(spec);
    hydra.model.finishEval(done.evalId);
    pending = await hydra.model.createEval({
      ...spec,
      releaseName: "nixos-26.11pre100009.fedcba987654",
    });
  });
  afterAll(() => hydra.close());
  beforeEach(() => hydra.faults.clear());

  it("redirects latest-finished with a 302 and an absolute Location", async () => {
    const res = await get("/job/nixos/unstable/tested/latest-finished");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${hydra.url}/build/${done.aggregateId}`);
    const rest = await get("/job/nixos/unstable/tested/latest-finished/constituents");
    expect(rest.headers.get("location")).toBe(
      `${hydra.url}/build/${done.aggregateId}/constituents`,
    );
  });

  it("answers 404 with Hydra's JSON error when no build qualifies", async () => {
    const res = await get("/job/nixos/unstable/nope/latest");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "There is no successful build to redirect to." });
    const forSystem = await get("/job/nixos/unstable/tested/latest-for/aarch64-linux");
    expect(await forSystem.json()).toEqual({
      error: "There is no successful build for platform `aarch64-linux' to redirect to.",
    });
    const missing = await get("/build/999");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Build with ID 999 doesn't exist." });
  });

  it("serves builds with exactly Hydra's 18 keys, integer flags and varying key order", async () => {
    const bodies = await Promise.all(
      [1, 2, 3, 4].map(async () => (await get(`/build/${done.aggregateId}`)).text()),
    );
    const build = JSON.parse(bodies[0] ?? "{}");
    expect(Object.keys(build).sort()).toEqual(BUILD_KEYS);
    expect(build).toMatchObject({ finished: 1, buildstatus: 0, jobsetevals: [done.evalId] });
    expect(build.buildproducts).toEqual({});
    expect(new Set(bodies.map((b) => Object.keys(JSON.parse(b)).join())).size).toBeGreaterThan(1);
    const unfinished = await (await get(`/build/${pending.aggregateId}`)).json();
    expect(unfinished).toMatchObject({ finished: 0, buildstatus: null, starttime: null });
  });

  it("negotiates JSON by Accept and sends HTML otherwise, with Vary: Accept", async () => {
    const json = await get(`/eval/${done.evalId}`);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json.headers.get("vary")).toBe("Accept");
    const ev = await json.json();
    expect(ev).toMatchObject({ id: done.evalId, hasnewbuilds: 1 });
    expect(ev.jobsetevalinputs.stableBranch.value).toBe("false");
    expect([...ev.builds].sort()).toEqual(Object.values(done.buildIds).sort());
    for (const accept of ["text/html", "*/*"]) {
      const html = await get(`/eval/${done.evalId}`, { Accept: accept });
      expect(html.headers.get("content-type")).toMatch(/^text\/html/);
      expect(html.headers.get("vary")).toBe("Accept");
      expect(await html.text()).toContain("<html");
    }
  });

  it("lists constituents as full builds sorted by job", async () => {
    const list = await (await get(`/build/${done.aggregateId}/constituents`)).json();
    expect(list.map((b: { job: string }) => b.job)).toEqual([
      "nixos.channel",
      "nixos.tests.acme.x86_64-linux",
      "nixos.tests.zfs.x86_64-linux",
    ]);
    expect(Object.keys(list[0]).sort()).toEqual(BUILD_KEYS);
    expect(
      await (await get(`/build/${done.buildIds["nixos.channel"]}/constituents`)).json(),
    ).toEqual([]);
  });

  it("serves the product bytes matching the advertised sha256hash", async () => {
    const channelId = done.buildIds["nixos.channel"];
    const build = await (await get(`/build/${channelId}`)).json();
    const product = build.buildproducts["1"];
    expect(product).toMatchObject({
      type: "file",
      subtype: "source-dist",
      name: "nixexprs.tar.xz",
    });
    const res = await get(`/build/${channelId}/download/1/nixexprs.tar.xz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-xz");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(product.sha256hash);
    expect(bytes.byteLength).toBe(product.filesize);
    const unbuilt = await get(`/build/${pending.buildIds["nixos.channel"]}/download/1/x`);
    expect(unbuilt.status).toBe(404);
    const canonical = await get(`/build/${channelId}/download/1`);
    expect(canonical.status).toBe(302);
    expect(canonical.headers.get("location")).toBe(
      `${hydra.url}/build/${channelId}/download/1/nixexprs.tar.xz`,
    );
  });

  it("redirects eval jobs and latest-eval the way Hydra does", async () => {
    const job = await get(`/eval/${pending.evalId}/job/nixos.channel`);
    expect(job.status).toBe(302);
    expect(job.headers.get("location")).toBe(
      `${hydra.url}/build/${pending.buildIds["nixos.channel"]}`,
    );
    const latestEval = await get("/jobset/nixos/unstable/latest-eval");
    expect(latestEval.headers.get("location")).toBe(
      `${hydra.url}/eval/${done.evalId}?name=unstable`,
    );
    const paths = await (await get(`/eval/${done.evalId}/store-paths`)).json();
    expect(paths).toHaveLength(2);
  });

  it("answers /api/latestbuilds and /api/jobsets with Hydra's fields", async () => {
    const res = await get("/api/latestbuilds?nr=5&project=nixos&jobset=unstable&job=tested", {});
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const items = await res.json();
    expect(items).toHaveLength(1);
    expect(Object.keys(items[0]).sort()).toEqual(
      [
        "id",
        "project",
        "jobset",
        "job",
        "system",
        "nixname",
        "finished",
        "timestamp",
        "buildstatus",
      ].sort(),
    );
    expect(items[0]).toMatchObject({ id: done.aggregateId, finished: 1, buildstatus: 0 });
    const jobsets = await (await get("/api/jobsets?project=nixos", {})).json();
    expect(jobsets).toEqual([
      expect.objectContaining({ name: "unstable", nrscheduled: 4, nrsucceeded: 0, nrtotal: 4 }),
    ]);
  });

  it("fires a fault exactly N times, then answers normally", async () => {
    const path = `/build/${done.aggregateId}`;
    const fault = hydra.faults.add({
      path: /^\/build\/\d+$/,
      times: 2,
      ...hydraFaults.serverErrorHtml,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(path)).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(fault).toMatchObject({ hits: 2, remaining: 0 });
    expect(hydra.faults.active).toHaveLength(0);
  });

  it("can answer 429 with Retry-After, truncated JSON, or delay a request", async () => {
    hydra.faults.add({ path: /latestbuilds/, ...hydraFaults.rateLimited(1) });
    hydra.faults.add({ path: /^\/eval\//, ...hydraFaults.truncatedJson });
    hydra.faults.add({ path: /^\/jobset\//, delayMs: 150 });
    const limited = await get("/api/latestbuilds?nr=1");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    const truncated = await get(`/eval/${done.evalId}`);
    expect(await truncated.text()).toBe('{"id": 3');
    const started = Date.now();
    const slow = await get("/jobset/nixos/unstable/latest-eval");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(slow.status).toBe(302);
  });

  it("records every request with its headers", async () => {
    const before = hydra.requests.length;
    await get("/api/jobsets?project=nixos", {
      Accept: "application/json",
      "User-Agent": "floodgate-test",
    });
    const last = hydra.requests.at(-1);
    expect(hydra.requests.length).toBe(before + 1);
    expect(last).toMatchObject({ method: "GET", path: "/api/jobsets?project=nixos" });
    expect(last?.headers["user-agent"]).toBe("floodgate-test");
  });
});
