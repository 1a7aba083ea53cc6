import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import type { Simulator } from "../../src/sim/simulator.node.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

describe("floodgate prune", () => {
  let world: CliWorld;
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    world = await startCliWorld("prune", { FLOODGATE_KEEP_RELEASES: "all" });
    ({ sim, dir, env } = world);
  });
  afterAll(() => world.close());

  it("lists, then deletes, the releases beyond FLOODGATE_KEEP_RELEASES", {
    timeout: 240_000,
  }, async () => {
    const nixos = ChannelSpec.parse(scenarioChannels[0]);
    seedChannelBranches(sim);
    const names: string[] = [];
    for (const message of ["a: 1 -> 2", "b: 1 -> 2"]) {
      sim.github.model.commit("master", message);
      const ev = await sim.evaluate(nixos);
      sim.hydra.model.finishEval(ev.evalId);
      const tick = await runFloodgate(["tick", "--channel", nixos.name], env);
      expect(tick.stdout.trim()).toBe(`nixos-unstable advanced to ${ev.releaseName}`);
      names.push(ev.releaseName);
    }
    const dirOf = (name: string) => join(dir, "data", "releases", "nixos", "unstable", name);
    const keepOne = { ...env, FLOODGATE_KEEP_RELEASES: "1" };

    const dry = await runFloodgate(["prune", "--channel", nixos.name, "--dry-run"], keepOne);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        "nixos-unstable: 1 release(s), keeping 1",
        `  would delete ${names[0]}: older than the newest 1 published releases`,
        "",
      ].join("\n"),
    );
    expect(names.every((n) => existsSync(dirOf(n)))).toBe(true);

    const pruned = await runFloodgate(["prune"], keepOne);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(
      new RegExp(
        `nixos-unstable: 1 release\\(s\\), keeping 1\\n  deleted ${names[0]} \\(\\d+ files\\)`,
      ),
    );
    expect(pruned.stdout).toContain("nixpkgs-unstable: nothing to delete, keeping 1");
    expect(pruned.stderr).toContain('"msg":"release pruned"');
    expect(names.map((n) => existsSync(dirOf(n)))).toEqual([false, true]);

    const unknown = await runFloodgate(["prune", "--channel", "nixos-nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('unknown channel "nixos-nope"');
  });
});
