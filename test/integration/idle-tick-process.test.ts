import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

interface TickCost {
  hydraPaths: string[];
  githubStatuses: (number | undefined)[];
  rateLimitSpent: number;
}

// `floodgate tick` as cron or a systemd timer runs it: each pass is a process of its own.
describe("an idle tick in a fresh process", () => {
  let world: CliWorld;
  beforeAll(async () => {
    world = await startCliWorld("idle-tick");
  });
  afterAll(() => world.close());

  async function tickProcess(): Promise<TickCost> {
    const { sim } = world;
    const hydraBefore = sim.hydra.requests.length;
    const githubBefore = sim.github.requests.length;
    const usedBefore = sim.github.rateLimits.authenticated.used;
    const result = await runFloodgate(["tick"], world.env);
    expect(result.code, result.stderr).toBe(0);
    return {
      hydraPaths: sim.hydra.requests.slice(hydraBefore).map((r) => r.path),
      githubStatuses: sim.github.requests.slice(githubBefore).map((r) => r.status),
      rateLimitSpent: sim.github.rateLimits.authenticated.used - usedBefore,
    };
  }

  it("costs 2 Hydra requests per channel and only GitHub 304s, which spend no rate limit", {
    timeout: 300_000,
  }, async () => {
    expect((await runFloodgate(["migrate"], world.env)).code).toBe(0);
    seedChannelBranches(world.sim);
    // Evals that keep building: nothing to advance, and the jobset overview has something to say.
    const channels = scenarioChannels.length;
    for (const channel of scenarioChannels) await world.sim.evaluate(ChannelSpec.parse(channel));

    const first = await tickProcess();
    const overviews = (cost: TickCost) =>
      cost.hydraPaths.filter((p) => p.startsWith("/api/jobsets"));
    expect(overviews(first)).toEqual([
      "/api/jobsets?project=nixos",
      "/api/jobsets?project=nixpkgs",
    ]);
    // Each branch read once with a 200; master, the source of both, again with a 304; plus one 200
    // for the channel-blocker issues, which are then kept for 5 minutes.
    const specs = scenarioChannels.map((c) => ChannelSpec.parse(c));
    const branches = new Set(specs.flatMap((c) => [c.sourceBranch, c.branch]));
    expect(first.githubStatuses.filter((s) => s === 200)).toHaveLength(branches.size + 1);
    expect(first.githubStatuses).toHaveLength(2 * channels + 1);

    const second = await tickProcess();
    expect(overviews(second)).toEqual([]);
    expect(second.hydraPaths).toHaveLength(2 * channels);
    expect(second.githubStatuses).toEqual(Array(2 * channels).fill(304));
    expect(second.rateLimitSpent).toBe(0);
  });

  it("vacuums the embedded database once a day, from whichever tick process finds it due", async () => {
    const marker = join(world.env.FLOODGATE_DATA_DIR ?? "", "db.vacuumed");
    const vacuumed = (stderr: string) => stderr.includes('"msg":"database vacuumed"');
    const embedded = !world.env.DATABASE_URL;
    // The test above ticked first: a day and an hour ago, as far as the marker says.
    if (embedded) writeFileSync(marker, `${new Date(Date.now() - 25 * 3_600_000).toISOString()}\n`);

    const due = await runFloodgate(["tick"], world.env);
    expect(due.code, due.stderr).toBe(0);
    expect(vacuumed(due.stderr)).toBe(embedded);
    const again = await runFloodgate(["tick"], world.env);
    expect(again.code, again.stderr).toBe(0);
    expect(vacuumed(again.stderr)).toBe(false);
    // A PostgreSQL server vacuums itself: nothing is recorded for it.
    expect(existsSync(marker)).toBe(embedded);
    if (embedded)
      expect(Date.parse(readFileSync(marker, "utf8").trim())).toBeGreaterThan(Date.now() - 60_000);
  });
});
