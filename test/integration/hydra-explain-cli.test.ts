import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

const nixosUnstable = ChannelSpec.parse(scenarioChannels[0]);
const FLAKY = "nixos.tests.installer.simple.x86_64-linux";
const BROKEN = "nixos.tests.firewall.x86_64-linux";
const STEADY = "nixos.tests.boot.uefiCdrom.x86_64-linux";

/**
 * `floodgate hydra <channel> --explain` as a maintainer types it, on a fresh data dir: `--history`
 * backfills the channel's evals from (simulated) Hydra, then the assistant explains the failing
 * constituents. BROKEN fails from eval 6 on, where PR #4242 landed; FLAKY fails now and then
 * (evals 2, 4 and 7), passing in between.
 */
describe("floodgate hydra <channel> --explain", () => {
  let world: CliWorld;
  const evals: SimEval[] = [];
  let breaking = "";
  beforeAll(async () => {
    world = await startCliWorld("explain", { FLOODGATE_SCHEDULER: "off" });
    const { sim } = world;
    seedChannelBranches(sim);
    for (let i = 1; i <= 7; i++) {
      sim.github.model.commit("master", `pkgs: update ${i}`);
      if (i === 6) {
        breaking = sim.github.model.commit("master", "iptables: 1.8.10 -> 1.8.11");
        sim.github.model.addPull({
          number: 4242,
          title: "iptables: 1.8.10 -> 1.8.11",
          mergeCommitSha: breaking,
          baseRef: "master",
        });
      }
      const ev = await sim.evaluate(nixosUnstable, { constituents: [STEADY, BROKEN, FLAKY] });
      evals.push(ev);
      const failing: Record<string, number> = {};
      if (i === 2 || i === 4 || i === 7) failing[FLAKY] = 1;
      if (i >= 6) failing[BROKEN] = 1;
      sim.hydra.model.finishEval(ev.evalId, failing);
    }
  });
  afterAll(() => world?.close());

  it("calls one failure flaky, and names the other's first-bad eval, its commits and the PR", {
    timeout: 120_000,
  }, async () => {
    const run = await runFloodgate(
      ["hydra", "nixos-unstable", "--history", "--explain"],
      world.env,
    );
    expect(run.code, run.stderr).toBe(0);
    const [e5, e6, e7] = [evals[4], evals[5], evals[6]];
    const out = run.stdout;
    expect(out).toContain(`unblock, eval ${e7?.evalId}, last 20 evals oldest first`);
    expect(out).toContain(`✔✔✔✔✔✖✖ ${BROKEN}`);
    expect(out).toContain(
      `failing since eval ${e6?.evalId} (first bad; passed in eval ${e5?.evalId})`,
    );
    expect(out).toContain(
      `first-bad range (2 commits): https://github.com/NixOS/nixpkgs/compare/${e5?.revision}...${e6?.revision}`,
    );
    expect(out).toContain(`${breaking.slice(0, 12)} #4242 iptables: 1.8.10 -> 1.8.11`);
    expect(out).toContain(`✔✖✔✖✔✔✖ ${FLAKY}`);
    expect(out).toMatch(/likely flaky: failed 3 times in 7 evals/);
    expect(out).not.toContain(STEADY);
  });
});
