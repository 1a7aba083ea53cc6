import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Deps } from "../../src/deps.ts";
import { USER_AGENT } from "../../src/entry/runtime.node.ts";
import { backfillHistory } from "../../src/hydra/backfill-history.ts";
import { createHydraClient } from "../../src/hydra/hydra-client.ts";
import { jobHistory } from "../../src/hydra/job-history.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FAILING = "nixos.tests.firewall.x86_64-linux";
const DAY = 86_400_000;
const START = Date.parse("2026-07-01T00:00:00Z");
const PER_SECOND = 20;

describe("the 30-day history of a channel job", () => {
  let h: Harness;
  let deps: Deps;
  let evals: SimEval[];
  const now = new Date(START + 43 * DAY);
  const since = new Date(now.getTime() - 30 * DAY);
  const evalTime = (i: number) => new Date(START + i * 3 * DAY);

  beforeEach(async () => {
    h = await startHarness();
    h.seedBranches();
    evals = [];
    // An eval every 3 days for 45 days; every third one has a failing constituent.
    for (let i = 0; i < 15; i++) {
      h.sim.hydra.model.setNow(evalTime(i));
      h.sim.github.model.commit("master", `change ${i}`);
      const ev = await h.sim.evaluate(h.channel("nixos-unstable"));
      h.sim.hydra.model.advance(2 * 3600);
      h.sim.hydra.model.finishEval(ev.evalId, i % 3 === 1 ? { [FAILING]: 1 } : {});
      evals.push(ev);
    }
    const hydra = createHydraClient({
      baseUrl: h.config.hydraUrl,
      userAgent: USER_AGENT,
      requestsPerSecond: PER_SECOND,
      baseBackoffMs: 2,
      attempts: 2,
    });
    deps = { ...h.deps, hydra, clock: { now: () => now } };
  });
  afterEach(() => h.close());

  async function asked(fn: () => Promise<unknown>): Promise<string[]> {
    const before = h.sim.hydra.requests.length;
    await fn();
    return h.sim.hydra.requests.slice(before).map((r) => r.path);
  }
  const recordingOf = (ev: SimEval) => [
    `/build/${ev.aggregateId}`,
    `/eval/${ev.evalId}`,
    `/build/${ev.aggregateId}/constituents`,
  ];
  const backfill = () => backfillHistory(deps, { only: "nixos-unstable" });
  const latest = "/api/latestbuilds?nr=120&project=nixos&jobset=unstable&job=tested";
  // Evals 5…14 are inside the 30 days; the backfill works newest first.
  const inWindow = () => evals.slice(5).reverse();

  it("is backfilled within the rate limit, resumes after Hydra fails, and never asks twice", async () => {
    const [e14, e13, e12, e11, ...older] = inWindow() as [SimEval, SimEval, SimEval, SimEval];
    h.sim.hydra.faults.add({ path: new RegExp(`^/eval/${e11.evalId}$`), status: 500, times: 100 });
    let first: Awaited<ReturnType<typeof backfill>> = [];
    const firstPaths = await asked(async () => {
      first = await backfill();
    });
    expect(first[0]).toMatchObject({
      listed: 10,
      added: 3,
      stopped: { code: "HYDRA_HTTP_5XX" },
      reachedSince: true,
    });
    expect(firstPaths).toEqual([
      latest,
      ...recordingOf(e14),
      ...recordingOf(e13),
      ...recordingOf(e12),
      `/build/${e11.aggregateId}`,
      `/eval/${e11.evalId}`,
      `/eval/${e11.evalId}`,
    ]);

    h.sim.hydra.faults.clear();
    let second: Awaited<ReturnType<typeof backfill>> = [];
    const secondPaths = await asked(async () => {
      second = await backfill();
    });
    expect(second[0]).toMatchObject({ listed: 10, added: 6, stopped: null, skipped: [] });
    expect(secondPaths).toEqual([
      latest,
      `/eval/${e11.evalId}`,
      `/build/${e11.aggregateId}/constituents`,
      ...older.flatMap(recordingOf),
    ]);
    // Paced: any 5 consecutive gaps span at least 5 intervals (less 40 ms of loopback jitter; one
    // request can arrive late and the next on time, so single gaps are not a fair measure).
    const times = h.sim.hydra.requests.map((r) => r.at).slice(-secondPaths.length);
    const spans = times.slice(5).map((t, i) => t - (times[i] ?? 0));
    expect(spans.length).toBeGreaterThan(0);
    expect(Math.min(...spans)).toBeGreaterThanOrEqual((5 * 1000) / PER_SECOND - 40);

    expect(await asked(backfill)).toEqual([latest]);
  });

  it("gives one entry per gate build, oldest first, with its failing constituents", async () => {
    await backfill();
    const history = await jobHistory(h.deps.db, h.channel("nixos-unstable"), since, {
      hydraUrl: h.config.hydraUrl,
    });
    const expected = evals.slice(5);
    expect(history.map((e) => e.evalId)).toEqual(expected.map((ev) => ev.evalId));
    expect(history.map((e) => e.revision)).toEqual(expected.map((ev) => ev.revision));
    expect(history.map((e) => e.result).join(" ")).toBe(
      "passed passed failed passed passed failed passed passed failed passed",
    );
    const failed = history[2];
    const failedEval = evals[7];
    expect(failed).toMatchObject({
      buildId: failedEval?.aggregateId,
      releaseName: failedEval?.releaseName,
      statusText: "dependency failed",
      url: `${h.config.hydraUrl}/build/${failedEval?.aggregateId}`,
      evaluatedAt: evalTime(7).toISOString(),
      finishedAt: new Date(evalTime(7).getTime() + 2 * 3600_000).toISOString(),
      constituents: { total: 6, passed: 5, failed: 1, pending: 0 },
      failing: [
        {
          buildId: failedEval?.buildIds[FAILING],
          job: FAILING,
          system: "x86_64-linux",
          buildstatus: 1,
          statusText: "failed",
          url: `${h.config.hydraUrl}/build/${failedEval?.buildIds[FAILING]}`,
        },
      ],
    });
    expect(history[0]).toMatchObject({ failing: [], constituents: { passed: 6, failed: 0 } });
    expect(await jobHistory(h.deps.db, h.channel("nixpkgs-unstable"), since)).toEqual([]);
  });
});
