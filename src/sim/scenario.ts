import type { ChannelSpec } from "../config/channels-file.ts";
import { CHANNEL_BLOCKER_LABEL } from "../git/blocker-issues.ts";
import { simChannel } from "./sim-channels.ts";
import type { SimEval, Simulator } from "./simulator.node.ts";

export interface ScenarioStep {
  title: string;
  act(sim: Simulator): Promise<void>;
}

/** The channels the demo scenario plays with, in the bundled file's shape. */
export const scenarioChannels = [simChannel("nixos-unstable"), simChannel("nixpkgs-unstable")];

const FAILING_TEST = "nixos.tests.firewall.x86_64-linux";
const RESTARTED_TEST = "nixos.tests.installer.simple.x86_64-linux";

function commits(sim: Simulator, branch: string, n: number, topic: string): void {
  for (let i = 1; i <= n; i++) sim.github.model.commit(branch, `${topic} (${i}/${n})`);
}

/**
 * master advances; evals are created; constituents finish over time; one fails, is restarted and
 * passes; an older eval finishes after a newer one; someone moves the channel branch by hand.
 */
export function demoScenario(channels: {
  nixos: ChannelSpec;
  nixpkgs: ChannelSpec;
}): ScenarioStep[] {
  const evals: Record<string, SimEval> = {};
  const id = (key: string) => {
    const ev = evals[key];
    if (!ev) throw new Error(`scenario: eval ${key} was not created`);
    return ev;
  };
  return [
    {
      title: "master has commits; nixos-unstable points at an older one; Hydra evaluates master",
      act: async (sim) => {
        commits(sim, "master", 3, "treewide: initial work");
        const start = sim.github.model.branchHead("master") ?? "";
        sim.github.model.createBranch("nixos-unstable", start);
        sim.github.model.createBranch("nixpkgs-unstable", start);
        commits(sim, "master", 2, "hello: 2.12 -> 2.13");
        evals.e1 = await sim.evaluate(channels.nixos);
        evals.p1 = await sim.evaluate(channels.nixpkgs);
      },
    },
    {
      title: "every constituent of both evals passes",
      act: async (sim) => {
        sim.hydra.model.finishEval(id("e1").evalId);
        sim.hydra.model.finishEval(id("p1").evalId);
      },
    },
    {
      title: `master moves on; in the next nixos eval ${FAILING_TEST} fails; a blocker issue is filed`,
      act: async (sim) => {
        commits(sim, "master", 3, "linux: 6.18.1 -> 6.18.2");
        evals.e2 = await sim.evaluate(channels.nixos);
        sim.hydra.model.finishEval(id("e2").evalId, { [FAILING_TEST]: 1 });
        // Someone files it as a channel blocker: the pages' banner shows it (left open).
        sim.github.model.addIssue({
          number: 4711,
          title: `nixos-unstable: ${FAILING_TEST} fails`,
          labels: [CHANNEL_BLOCKER_LABEL],
        });
      },
    },
    {
      title: `a maintainer restarts ${FAILING_TEST}; it passes`,
      act: async (sim) => {
        const build = id("e2").buildIds[FAILING_TEST] ?? 0;
        sim.hydra.model.restartBuild(build);
        sim.hydra.model.finishBuild(build, 0);
      },
    },
    {
      title: "Hydra evaluates master twice; the newer eval finishes first",
      act: async (sim) => {
        commits(sim, "master", 2, "firefox: 146.0 -> 146.0.1");
        evals.e3 = await sim.evaluate(channels.nixos);
        commits(sim, "master", 2, "python3: 3.13.9 -> 3.13.10");
        evals.e4 = await sim.evaluate(channels.nixos);
        sim.hydra.model.finishEval(id("e4").evalId);
      },
    },
    {
      title: `the older eval finishes late, and ${RESTARTED_TEST} of the newer one is restarted`,
      act: async (sim) => {
        sim.hydra.model.finishEval(id("e3").evalId);
        sim.hydra.model.restartBuild(id("e4").buildIds[RESTARTED_TEST] ?? 0);
      },
    },
    {
      title: "someone pushes a commit straight to the nixos-unstable branch; a new eval passes",
      act: async (sim) => {
        sim.hydra.model.finishBuild(id("e4").buildIds[RESTARTED_TEST] ?? 0, 0);
        sim.github.model.commit("nixos-unstable", "oops: pushed to the channel branch by hand");
        commits(sim, "master", 1, "nixos/tests: fix flaky firewall test");
        evals.e5 = await sim.evaluate(channels.nixos);
        sim.hydra.model.finishEval(id("e5").evalId);
      },
    },
    {
      title: "an admin resets nixos-unstable to its last release",
      act: async (sim) => {
        sim.github.model.setBranch("nixos-unstable", id("e4").revision);
      },
    },
  ];
}
