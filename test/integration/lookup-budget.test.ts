import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { parseConfig } from "../../src/config/config.ts";
import type { Deps } from "../../src/deps.ts";
import { createDeps } from "../../src/entry/runtime.node.ts";
import { silentLogger } from "../../src/log.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type LoopbackServer, serveOnLoopback } from "../../src/sim/serve.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

/**
 * "Has my commit landed?" is public: whatever strangers look up, the fake GitHub sees at most the
 * lookups' budget, repeated and concurrent unknown lookups cost one call, and the tick keeps
 * enough of the rate limit to advance.
 */
describe("lookups spend a GitHub budget of their own", () => {
  let h: Harness;
  let deps: Deps;
  let server: LoopbackServer;
  let nowMs = Date.now();

  // One simulator and database for the file; each test gets fresh lookup limits, caches and app.
  beforeAll(async () => {
    h = await startHarness({}, { clock: { now: () => new Date(nowMs) } });
    h.seedBranches();
  });
  afterAll(() => h.close());
  afterEach(() => server.close());

  async function start(env: Record<string, string>): Promise<void> {
    nowMs = Date.now();
    github().rateLimits.authenticated.used = 0;
    const config = parseConfig(
      {
        ...h.sim.env,
        FLOODGATE_DATA_DIR: h.config.dataDir,
        FLOODGATE_LOOKUP_CLIENT_IP_HEADER: "x-test-client",
        ...env,
      },
      { raw: { channels: scenarioChannels }, source: "test" },
    );
    deps = createDeps(config, h.deps.db, silentLogger, {
      hydra: h.deps.hydra,
      clock: h.deps.clock,
    });
    server = await serveOnLoopback(createApp(deps));
    await advance();
  }

  const nixos = () => h.channel("nixos-unstable");
  const github = () => h.sim.github;
  const randomPrefix = () => randomBytes(4).toString("hex").slice(0, 7);

  async function advance(): Promise<void> {
    h.sim.github.model.commit("master", `work ${randomPrefix()}`);
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    const before = github().requests.length;
    expect(await tickChannel(deps, nixos())).toMatchObject({ kind: "advanced" });
    // Not one of the tick's requests was refused or rate limited.
    const statuses = github()
      .requests.slice(before)
      .map((r) => r.status ?? 0);
    expect(statuses.filter((s) => s >= 400)).toEqual([]);
  }

  interface Answer {
    status: number;
    retryAfter: string | null;
    body: { error?: { code: string; message: string } };
  }
  async function lookup(path: string, client = "198.51.100.1"): Promise<Answer> {
    const res = await fetch(`${server.url}${path}`, { headers: { "x-test-client": client } });
    return {
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      body: (await res.json()) as Answer["body"],
    };
  }
  /** Runs the lookups `concurrency` at a time over real HTTP. */
  async function storm(paths: { path: string; client?: string }[], concurrency = 20) {
    const answers: Answer[] = [];
    const queue = [...paths];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        answers.push(await lookup(next.path, next.client));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return answers;
  }
  const byStatus = (answers: Answer[]) => {
    const counts: Record<number, number> = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    return counts;
  };
  /** GitHub requests made while `act` ran (the scheduler is off: they are all lookups'). */
  async function upstreamDuring<T>(act: () => Promise<T>): Promise<{ calls: number; result: T }> {
    const before = github().requests.length;
    const result = await act();
    return { calls: github().requests.length - before, result };
  }

  it("200 unknown shas from one client: 25 reach GitHub, the rest get 429 with Retry-After", async () => {
    await start({ FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: "25", FLOODGATE_LOOKUP_GITHUB_BUDGET: "40" });
    const paths = Array.from({ length: 200 }, () => ({
      path: `/api/v1/commits/${randomPrefix()}`,
    }));
    const { calls, result } = await upstreamDuring(() => storm(paths));
    expect(byStatus(result)).toEqual({ 404: 25, 429: 175 });
    expect(calls).toBe(25);
    const refused = result.find((a) => a.status === 429);
    expect(refused?.body.error).toEqual({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/at most 25 lookups a minute per client; try again in \d+ s/),
      retryAfterSeconds: expect.any(Number),
      requestId: expect.any(String),
    });
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    await advance();
  });

  it("200 unknown shas from 200 clients: GitHub sees the hourly budget, then 503 until the hour ends", async () => {
    await start({ FLOODGATE_LOOKUP_GITHUB_BUDGET: "40" });
    const paths = Array.from({ length: 200 }, (_, i) => ({
      path: i % 2 ? `/api/v1/commits/${randomPrefix()}` : `/api/v1/prs/${900_000 + i}`,
      client: `203.0.113.${i % 250}`,
    }));
    const { calls, result } = await upstreamDuring(() => storm(paths));
    expect(calls).toBe(40);
    expect(byStatus(result)).toEqual({ 404: 40, 503: 160 });
    const refused = result.find((a) => a.status === 503);
    expect(refused?.body.error).toMatchObject({
      code: "LOOKUP_BUDGET_SPENT",
      message: expect.stringMatching(/40 GitHub requests an hour.*try again in \d+ s/),
    });
    expect(Number(refused?.retryAfter)).toBeGreaterThan(3500);
    // The tick's own budget is untouched: it still advances, and so do lookups an hour later.
    await advance();
    nowMs += 3_601_000;
    expect((await lookup(`/api/v1/commits/${randomPrefix()}`)).status).toBe(404);
  });

  it("pauses lookups when GitHub's remaining limit nears the tick's reserve; the tick goes on", async () => {
    await start({ FLOODGATE_LOOKUP_GITHUB_RESERVE: "300" });
    const bucket = github().rateLimits.authenticated;
    bucket.used = bucket.limit - 310; // 10 requests above the reserve
    await advance(); // the tick reads the new window (its first request costs one)
    const remaining = bucket.limit - bucket.used;
    const paths = Array.from({ length: 200 }, (_, i) => ({
      path: `/api/v1/commits/${randomPrefix()}`,
      client: `203.0.113.${i}`,
    }));
    const { calls, result } = await upstreamDuring(() => storm(paths));
    // Lookups in flight count against the room left, so they may stop a little early, never late.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(remaining - 300);
    expect(byStatus(result)).toEqual({ 404: calls, 503: 200 - calls });
    expect(result.find((a) => a.status === 503)?.body.error).toMatchObject({
      code: "LOOKUPS_PAUSED",
      message: expect.stringMatching(/^lookups paused to keep the channel updater running/),
    });
    expect(bucket.limit - bucket.used).toBeGreaterThanOrEqual(300);
    await advance();
  });

  it("answers a repeated unknown sha or PR from the negative cache, until it expires", async () => {
    await start({ FLOODGATE_LOOKUP_NEGATIVE_TTL_SECONDS: "600" });
    const sha = randomPrefix();
    const first = await upstreamDuring(() => lookup(`/api/v1/commits/${sha}`));
    expect(first.result.status).toBe(404);
    expect(first.calls).toBe(1);
    const again = await upstreamDuring(async () => {
      for (let i = 0; i < 5; i++) {
        expect((await lookup(`/api/v1/commits/${sha}`)).status).toBe(404);
        expect((await lookup(`/api/v1/prs/777777`)).status).toBe(404);
        expect((await fetch(`${server.url}/commits/${sha}`)).status).toBe(404);
      }
    });
    expect(again.calls).toBe(1); // the PR's first lookup
    nowMs += 601_000;
    const expired = await upstreamDuring(() => lookup(`/api/v1/commits/${sha}`));
    expect(expired).toEqual({ calls: 1, result: expect.objectContaining({ status: 404 }) });
  });

  it("shares one GitHub call among 20 concurrent lookups of the same unknown sha or PR", async () => {
    await start({});
    const sha = randomPrefix();
    const commits = Array.from({ length: 20 }, (_, i) => ({
      path: `/api/v1/commits/${sha}`,
      client: `192.0.2.${i}`,
    }));
    const one = await upstreamDuring(() => storm(commits));
    expect(one.calls).toBe(1);
    expect(byStatus(one.result)).toEqual({ 404: 20 });
    const pulls = commits.map((c) => ({ ...c, path: "/api/v1/prs/654321" }));
    expect((await upstreamDuring(() => storm(pulls))).calls).toBe(1);
  });

  it("answers a found commit again without asking GitHub", async () => {
    await start({});
    const sha = h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
    const first = await upstreamDuring(() => lookup(`/api/v1/commits/${sha}`));
    expect(first.result.status).toBe(200);
    expect(first.calls).toBeGreaterThan(0);
    const again = await upstreamDuring(() => lookup(`/api/v1/commits/${sha}`));
    expect(again.result.status).toBe(200);
    expect(again.calls).toBe(0);
  });

  it("counts clients by connection unless a trusted header is configured", async () => {
    await start({ FLOODGATE_LOOKUP_CLIENT_IP_HEADER: "", FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: "5" });
    // Without a trusted header, spoofed forwarding headers are ignored: all of these are 127.0.0.1.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${server.url}/api/v1/commits/${randomPrefix()}`, {
        headers: { "x-forwarded-for": `10.0.0.${i}`, "x-test-client": `10.0.1.${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
    const page = await fetch(`${server.url}/prs/4242`);
    expect(page.status).toBe(429);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const text = await page.text();
    expect(text).toMatch(/<title>Too many lookups · floodgate<\/title>/);
    expect(text).toMatch(/at most 5 lookups a minute per client; try again in \d+ s/);
  });
});
