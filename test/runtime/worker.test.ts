import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { eq } from "drizzle-orm";
import { Miniflare } from "miniflare";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ChannelSpec } from "../../src/config/channels-file.ts";
import { parseConfig } from "../../src/config/config.ts";
import { pullRequests, releaseCommits, releases } from "../../src/db/schema.ts";
import { TICK_CRON } from "../../src/jobs/schedule.ts";
import type { R2BucketLike } from "../../src/publish/r2-store.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type Simulator, startSimulator } from "../../src/sim/simulator.node.ts";
import { createServerTestDb } from "../support/test-db.ts";
import { buildWorker, repoRoot, type WorkerBuild } from "./build-worker.ts";

const BASE_URL =
  process.env.FLOODGATE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const PUBLIC_URL = "http://floodgate.test";
// Low enough that two channels ticking at once would exceed it if each paced itself alone.
const HYDRA_RPS = 5;
// The shared pace spaces request starts exactly (200 ms at 5/s), but on a loaded 2-core machine
// loopback delivery lags a start by up to ~200 ms (40 ms failed 2 runs in 5 at load 9). Arrivals in
// a window of 1 s minus that lag come from starts in 1 s: at most HYDRA_RPS. Two channels pacing
// alone (10/s) still put ~8 in such a window, so the check keeps failing without the shared pace.
const JITTER_MS = 200;

/** The most request arrivals seen in any window of `windowMs` (arrival times in ms, sorted). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function postgresReachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch (err) {
    console.warn(`skipping the Worker runtime tests: no Postgres at ${url} (${String(err)})`);
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

// Miniflare types its proxies with @cloudflare/workers-types, which is not installed here.
interface ScheduledWorker {
  scheduled(event: { cron: string; scheduledTime?: Date }): Promise<{ outcome: string }>;
}
// safe because getWorker() returns the worker's Fetcher, which has scheduled().
const asScheduledWorker = (worker: unknown) => worker as ScheduledWorker;
// safe because getR2Bucket() returns the binding's R2Bucket proxy.
const asR2Bucket = (bucket: unknown) => bucket as R2BucketLike;

const pgUp = await postgresReachable(BASE_URL);
const wranglerToml = await readFile(join(repoRoot, "wrangler.toml"), "utf8");
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wranglerToml)?.[1] ?? "";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const outdir = await mkdtemp(join(tmpdir(), "floodgate-worker-"));
let building: Promise<WorkerBuild> | undefined;
let build: WorkerBuild;
/** One bundle for both suites below: building takes a few seconds. */
const bundled = async () => {
  building ??= buildWorker(outdir).then((b) => {
    console.log(`worker bundle: ${(b.bytes / 1024).toFixed(1)} KiB`);
    return b;
  });
  build = await building;
};
afterAll(() => rm(outdir, { recursive: true, force: true }));

describe("the Worker bundle (wrangler deploy --dry-run)", () => {
  beforeAll(bundled, 120_000);

  it("never reaches PGlite, @hono/node-server, node-cron, child_process or a *.node.ts file", () => {
    const inputs = Object.keys(build.metafile.inputs);
    expect(inputs).toContain("src/entry/worker.ts");
    expect(
      inputs.filter((p) =>
        /node_modules\/(@electric-sql\/pglite|@hono\/node-server|node-cron)\//.test(p),
      ),
    ).toEqual([]);
    expect(inputs.filter((p) => p.endsWith(".node.ts"))).toEqual([]);
    const imports = Object.entries(build.metafile.inputs).flatMap(([from, input]) =>
      input.imports.map((i) => ({ from, path: i.path })),
    );
    expect(imports.filter((i) => i.path.includes("child_process"))).toEqual([]);
    // Our own code is runtime-neutral; node:* only comes from postgres.js's Workers build.
    const builtins = imports.filter((i) => /^(node:|cloudflare:)/.test(i.path));
    expect(builtins.filter((i) => !i.from.startsWith("node_modules/postgres/cf/"))).toEqual([]);
  });

  // postgres.js needs node:buffer/events/stream and cloudflare:sockets; the Atom feeds' XML writer (feed → xml-js →
  // sax) asks for "stream", which nodejs_compat provides under its bare name too; the web assets are a text module.
  it("imports nothing at run time but what postgres.js and the feed writer need under nodejs_compat", async () => {
    const code = await readFile(build.scriptPath, "utf8");
    const specifiers = code.matchAll(
      /\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g,
    );
    const external = new Set([...specifiers].map((m) => m[1] ?? m[2]));
    // The status page's hashed assets travel as one text module beside the script.
    const assets = [...external].filter((s) => /^\.\/[0-9a-f]+-web-assets\.txt$/.test(s ?? ""));
    expect(assets).toHaveLength(1);
    for (const a of assets) external.delete(a);
    expect([...external].sort()).toEqual([
      "cloudflare:sockets",
      "node:buffer",
      "node:events",
      "node:stream",
      "stream",
    ]);
    expect(build.bytes).toBeLessThan(3 * 1024 * 1024);
  });
});

describe.skipIf(!pgUp)("on workerd (Miniflare), Postgres through Hyperdrive, files in R2", () => {
  let sim: Simulator;
  let db: Awaited<ReturnType<typeof createServerTestDb>>;
  let mf: Miniflare;
  let nixos: ChannelSpec;
  let nixpkgs: ChannelSpec;
  const workerLogs: string[] = [];
  const get = (path: string, headers: Record<string, string> = {}) =>
    mf.dispatchFetch(`${PUBLIC_URL}${path}`, { headers, redirect: "manual" });

  beforeAll(async () => {
    await bundled();
    sim = await startSimulator();
    db = await createServerTestDb(BASE_URL);
    const config = parseConfig({}, { raw: { channels: scenarioChannels }, source: "test" });
    const found = config.channels.find((c) => c.name === "nixos-unstable");
    if (!found) throw new Error("scenario has no nixos-unstable");
    nixos = found;
    const pkgs = config.channels.find((c) => c.name === "nixpkgs-unstable");
    if (!pkgs) throw new Error("scenario has no nixpkgs-unstable");
    nixpkgs = pkgs;
    // Miniflare's Hyperdrive wants a password; a trust-auth server never asks for it.
    const hyperdriveUrl = new URL(db.url);
    hyperdriveUrl.password ||= "unused";
    mf = new Miniflare({
      modules: true,
      scriptPath: build.scriptPath,
      modulesRoot: dirname(build.scriptPath),
      // wrangler bundles the web assets as a text module (rules from wrangler.toml's defaults).
      modulesRules: [{ type: "Text", include: ["**/*.txt"] }],
      compatibilityDate,
      compatibilityFlags: ["nodejs_compat"],
      r2Buckets: ["RELEASES"],
      // As wrangler.toml: one queue message, and consumer invocation, per channel due.
      queueProducers: { TICKS: "floodgate-ticks" },
      queueConsumers: { "floodgate-ticks": { maxBatchSize: 1, maxBatchTimeout: 0, maxRetries: 0 } },
      hyperdrives: { HYPERDRIVE: hyperdriveUrl.toString() },
      bindings: {
        ...sim.env,
        FLOODGATE_HYDRA_RPS: String(HYDRA_RPS),
        FLOODGATE_PUBLIC_URL: PUBLIC_URL,
        FLOODGATE_CHANNELS_JSON: JSON.stringify({ channels: scenarioChannels }),
      },
      cf: false,
      telemetry: { enabled: false },
      structuredWorkerdLogs: true,
      handleStructuredLogs: (log: { message: string }) => {
        workerLogs.push(log.message);
      },
    });
    await mf.ready;
  }, 180_000);
  afterAll(async () => {
    await mf?.dispose();
    await sim?.close();
    await db?.close();
  });

  it("answers /api/v1/channels with JSON read from Postgres", async () => {
    const res = await get("/api/v1/channels");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { channels: { name: string; state: string }[] };
    expect(body.channels.map((c) => c.name).sort()).toEqual(["nixos-unstable", "nixpkgs-unstable"]);
  });

  it("serves the pages' hashed stylesheet and script from the bundle, cached for good", async () => {
    const page = await (await get("/")).text();
    const hrefs = [...page.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toHaveLength(3);
    for (const href of hrefs) {
      const res = await get(href ?? "");
      expect({ href, status: res.status }).toEqual({ href, status: 200 });
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await res.text()).length).toBeGreaterThan(100);
    }
  });

  it("a cron event queues each channel's tick, ticked in invocations of their own under one Hydra pace, advancing the branch and storing the files in R2", async () => {
    sim.github.model.commit("master", "initial");
    const start = sim.github.model.branchHead("master") ?? "";
    for (const c of scenarioChannels) sim.github.model.createBranch(c.name, start);
    sim.github.model.commit("master", "hello: 2.12 -> 2.13");
    const ev = await sim.evaluate(nixos);
    sim.hydra.model.finishEval(ev.evalId);

    const pkgsEv = await sim.evaluate(nixpkgs);
    sim.hydra.model.finishEval(pkgsEv.evalId);
    const hydraBefore = sim.hydra.requests.length;

    const worker = asScheduledWorker(await mf.getWorker());
    const result = await worker.scheduled({ cron: TICK_CRON, scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");

    const queued = () => workerLogs.filter((l) => l.includes('"msg":"queued tick"'));
    await vi.waitFor(() => expect(queued()).toHaveLength(2), { timeout: 45_000, interval: 250 });
    const ticks = queued().map(
      (l) => JSON.parse(l) as { channel: string; owner: string; outcome: string },
    );
    expect(ticks.map((t) => [t.channel, t.outcome]).sort()).toEqual([
      ["nixos-unstable", "advanced"],
      ["nixpkgs-unstable", "advanced"],
    ]);
    // Each channel ticked in an invocation of its own (each opens its ports with a new owner).
    expect(new Set(ticks.map((t) => t.owner)).size).toBe(2);
    const line = workerLogs.find((l) => l.includes('"msg":"scheduled tick"'));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ cron: TICK_CRON, queued: 2 });
    const times = sim.hydra.requests.slice(hydraBefore).map((r) => r.at);
    expect(times.length).toBeGreaterThan(2 * HYDRA_RPS);
    expect(busiestWindow(times, 1000 - JITTER_MS)).toBeLessThanOrEqual(HYDRA_RPS);

    expect(sim.github.model.branchHead("nixos-unstable")).toBe(ev.revision);
    const rows = await db.db.select({ name: releases.name }).from(releases);
    expect(rows.map((r) => r.name).sort()).toEqual([ev.releaseName, pkgsEv.releaseName].sort());
    const product = sim.hydra.model.product(ev.buildIds["nixos.channel"] ?? 0, "1");
    const bucket = asR2Bucket(await mf.getR2Bucket("RELEASES"));
    const stored = await bucket.head(`nixos/unstable/${ev.releaseName}/nixexprs.tar.xz`);
    expect(stored?.customMetadata?.sha256).toBe(product?.product.sha256hash);

    // Each isolate keeps its read model for a few seconds (the Workers freshness bound, README).
    await vi.waitFor(
      async () => {
        const api = (await (await get("/api/v1/channels")).json()) as {
          channels: { name: string; state: string; release: { name: string } | null }[];
        };
        const status = api.channels.find((c) => c.name === "nixos-unstable");
        expect(status).toMatchObject({ state: "advanced", release: { name: ev.releaseName } });
      },
      { timeout: 15_000, interval: 500 },
    );
  }, 90_000);

  it("serves the release from R2 as nix-channel fetches it, with ETag, Range and 304", async () => {
    const redirect = await get("/nixos-unstable");
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get("location") ?? "");
    expect(location.origin).toBe(PUBLIC_URL);
    const file = `${location.pathname}/nixexprs.tar.xz`;

    const full = await get(file);
    expect(full.status).toBe(200);
    const bytes = new Uint8Array(await full.arrayBuffer());
    const etag = full.headers.get("etag");
    expect(etag).toBe(`"${sha256(bytes)}"`);
    expect(full.headers.get("content-type")).toBe("application/octet-stream");

    const part = await get(file, { Range: "bytes=10-19" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 10-19/${bytes.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20));

    const cached = await get(file, { "If-None-Match": etag ?? "" });
    expect(cached.status).toBe(304);
    await cached.arrayBuffer();

    const revision = await get(`${location.pathname}/git-revision`);
    expect(await revision.text()).toBe(sim.github.model.branchHead("nixos-unstable"));
  });

  it("refuses webhooks but Slack's with a 400, and its cron ticks follow a PR subscription (merged later, landing not recorded) with no serve scheduler", async () => {
    const subscribe = (body: Record<string, string>) =>
      mf.dispatchFetch(`${PUBLIC_URL}/api/v1/subscriptions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const hook = await subscribe({
      kind: "channel",
      subject: "nixos-unstable",
      delivery: "webhook",
      url: "https://hooks.example.org/floodgate",
    });
    expect(hook.status).toBe(400);
    expect(await hook.text()).toMatch(/only to Slack incoming webhooks.*DNS rebinding/);

    // A PR open when subscribed to, then merged: its merge commit is the one the cron test
    // released, which floodgate learns only when it re-reads the PR (at most every 10 minutes).
    sim.github.model.addPull({
      number: 9001,
      title: "hello",
      mergeCommitSha: null,
      baseRef: "master",
    });
    const res = await subscribe({ kind: "pr", subject: "9001", delivery: "feed" });
    expect(res.status, await res.clone().text()).toBe(201);
    const made = (await res.json()) as { feedUrl: string; channels: string[] };
    expect(made.channels).toContain("nixos-unstable");
    const sha = sim.github.model.branchHead("nixos-unstable") ?? "";
    sim.github.model.addPull({
      number: 9001,
      title: "hello",
      mergeCommitSha: sha,
      baseRef: "master",
    });
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    await db.db
      .update(pullRequests)
      .set({ fetchedAt: elevenMinutesAgo })
      .where(eq(pullRequests.number, 9001));
    // And as if recording the release's landings had missed it: only GitHub's compare can tell.
    await db.db.delete(releaseCommits).where(eq(releaseCommits.sha, sha));
    const feedPath = new URL(made.feedUrl).pathname;
    expect(await (await get(feedPath)).text()).not.toContain("landed in");

    // No serve scheduler here: the queued ticks run the follow pass.
    const queued = () => workerLogs.filter((l) => l.includes('"msg":"queued tick"')).length;
    const before = queued();
    const worker = asScheduledWorker(await mf.getWorker());
    await worker.scheduled({ cron: TICK_CRON, scheduledTime: new Date() });
    await vi.waitFor(
      async () =>
        expect(await (await get(feedPath)).text()).toContain("#9001 landed in nixos-unstable"),
      { timeout: 45_000, interval: 500 },
    );
    // Both channels' invocations finish before the database and Miniflare go away.
    await vi.waitFor(() => expect(queued()).toBe(before + 2), { timeout: 45_000, interval: 250 });
  }, 90_000);
});
