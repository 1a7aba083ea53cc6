import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickAll } from "../../src/channels/tick-all.ts";
import type { Deps } from "../../src/deps.ts";
import { USER_AGENT } from "../../src/entry/runtime.node.ts";
import { OVERVIEW_MAX_AGE_MS } from "../../src/hydra/eval-progress.ts";
import { createHydraClient } from "../../src/hydra/hydra-client.ts";
import { hydraFaults } from "../../src/sim/fake-hydra.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FAILING = "nixos.tests.firewall.x86_64-linux";
// Loopback delivery can lag a request's start by a few ms; the limiter spaces starts exactly.
const JITTER_MS = 40;

/** The most request arrivals seen in any window of `windowMs` (arrival times in ms, sorted). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("Hydra requests per tick", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.seedBranches();
  });
  afterEach(() => h.close());

  it("never exceeds the configured rate during full ticks, 429 and retry included", async () => {
    const perSecond = 5;
    const hydra = createHydraClient({
      baseUrl: h.config.hydraUrl,
      userAgent: USER_AGENT,
      requestsPerSecond: perSecond,
      baseBackoffMs: 5,
    });
    const deps: Deps = { ...h.deps, hydra };
    const nixosEval = await h.sim.evaluate(h.channel("nixos-unstable"));
    const pkgsEval = await h.sim.evaluate(h.channel("nixpkgs-unstable"));
    h.sim.hydra.model.finishEval(nixosEval.evalId);
    h.sim.hydra.model.finishEval(pkgsEval.evalId);
    const limited = h.sim.hydra.faults.add({
      path: /\/constituents$/,
      ...hydraFaults.rateLimited(1),
    });
    const start = h.sim.hydra.requests.length;

    expect((await tickAll(deps)).map((o) => o.kind)).toEqual(["advanced", "advanced"]);
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const next = await h.sim.evaluate(h.channel("nixos-unstable"));
    h.sim.hydra.model.finishEval(next.evalId, { [FAILING]: 1 });
    expect((await tickAll(deps)).map((o) => o.kind)).toEqual(["blocked", "idle"]);

    const times = h.sim.hydra.requests.slice(start).map((r) => r.at);
    expect(limited.hits).toBe(1);
    expect(times.length).toBeGreaterThanOrEqual(20);
    expect(busiestWindow(times, 1000 - JITTER_MS)).toBeLessThanOrEqual(perSecond);
    // Any 5 consecutive gaps span 5 intervals: a single gap may shrink when the request before it
    // reached the server late (this process also runs the database), which says nothing of the pace.
    const spans = times.slice(5).map((t, i) => t - (times[i] ?? 0));
    expect(Math.min(...spans)).toBeGreaterThanOrEqual((5 * 1000) / perSecond - JITTER_MS);
  });

  it("costs 2 requests per idle channel tick, plus one jobset overview per project per 15 minutes", async () => {
    let now = new Date("2026-09-01T00:00:00Z");
    const deps: Deps = { ...h.deps, clock: { now: () => now } };
    for (const name of ["nixos-unstable", "nixpkgs-unstable"]) {
      h.sim.hydra.model.finishEval((await h.sim.evaluate(h.channel(name))).evalId);
    }
    // A newer eval that keeps building: the overview has something to say on every idle tick.
    h.sim.github.model.commit("master", "firefox: 146.0 -> 146.0.1");
    const building = await h.sim.evaluate(h.channel("nixos-unstable"));
    const scheduled = Object.keys(building.buildIds).length;
    expect((await tickAll(deps)).map((o) => o.kind)).toEqual(["advanced", "advanced"]);

    const tickMinutes = 10;
    const rounds = 12;
    const overviews: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      now = new Date(now.getTime() + tickMinutes * 60_000);
      const before = h.sim.hydra.requests.length;
      const outcomes = await tickAll(deps);
      expect(outcomes.map((o) => o.kind)).toEqual(["idle", "idle"]);
      const paths = h.sim.hydra.requests.slice(before).map((r) => r.path);
      const gate = paths.filter((p) => !p.startsWith("/api/jobsets"));
      expect(gate).toHaveLength(2 * 2);
      overviews.push(...paths.filter((p) => p.startsWith("/api/jobsets")));
      const nixos = outcomes[0];
      expect(
        nixos?.kind === "idle" && nixos.decision.kind === "idle" && nixos.decision.notes,
      ).toEqual([
        expect.objectContaining({ kind: "eval-building", jobset: "unstable", scheduled }),
      ]);
    }
    // Asked again on the first tick at least 15 minutes after the last ask: every 2nd tick here.
    const ticksPerAsk = Math.ceil(OVERVIEW_MAX_AGE_MS / (tickMinutes * 60_000));
    const perProject = Math.floor(rounds / ticksPerAsk);
    expect(perProject).toBe(6);
    expect(overviews.filter((p) => p.endsWith("project=nixos"))).toHaveLength(perProject);
    expect(overviews.filter((p) => p.endsWith("project=nixpkgs"))).toHaveLength(perProject);
    // So an idle channel tick costs 2 + (projects / channels) × (tick interval / 15 min) on average.
    const average = (rounds * 2 * 2 + overviews.length) / (rounds * 2);
    expect(average).toBeLessThanOrEqual(2.5);
  });
});
