import { describe, expect, it } from "vitest";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { runChaos } from "../support/chaos-run.ts";

// The quick variant of `npm run chaos` (bench/chaos.ts): seconds of chaos instead of minutes.
describe("upstream chaos: random 429s, 5xx, resets, slow, cut and wrong bodies, force-pushes", () => {
  it("never advances wrongly, shows every outcome, and catches up once upstream behaves", async () => {
    const result = await runChaos({
      chaosMs: 3_000,
      minRounds: 5,
      recoveryMs: 60_000,
      seed: 7,
      rate: 0.4,
      // One channel with few products keeps this quick; the script plays both.
      channels: scenarioChannels.filter((c) => c.name === "nixpkgs-unstable"),
    });
    const injected = Object.values(result.faults).reduce((a, b) => a + (b ?? 0), 0);
    expect(injected).toBeGreaterThanOrEqual(5);
    expect(result.evals).toBeGreaterThanOrEqual(2);
    expect(result.crashes).toEqual([]);
    expect(result.wrong).toEqual([]);
    expect(result.unseen).toEqual([]);
    expect(result.advances).toBeGreaterThan(0);
    expect(result.branchUpdates).toBeGreaterThan(0);
    expect(result.recoveryMs).not.toBeNull();
  }, 180_000);
});
