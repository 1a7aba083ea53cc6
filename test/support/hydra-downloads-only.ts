import type { SimEval, Simulator } from "../../src/sim/simulator.node.ts";

/**
 * Takes an eval's builds out of the simulator's binary cache, so floodgate falls back to Hydra's
 * `/build/{id}/download/…` for its products (where tests inject wrong bytes).
 */
export function productsFromHydraOnly(sim: Simulator, ev: SimEval): void {
  for (const id of Object.values(ev.buildIds)) {
    const outPath = sim.hydra.model.build(id)?.outPath;
    if (outPath) sim.cache.dropNarInfo(outPath);
  }
}
