import { expect } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { Harness } from "./harness.ts";

/** nixos-unstable publishes a first release, then a second passing eval waits for the next tick. */
export async function firstRelease(h: Harness) {
  const nixos = h.channel("nixos-unstable");
  h.seedBranches();
  const first = await h.sim.evaluate(nixos);
  h.sim.hydra.model.finishEval(first.evalId);
  expect((await tickChannel(h.deps, nixos)).kind).toBe("advanced");
  h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
  const next = await h.sim.evaluate(nixos);
  h.sim.hydra.model.finishEval(next.evalId);
  return { first, next };
}
