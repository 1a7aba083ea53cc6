import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CrashRig,
  crashRound,
  startCrashRig,
  summarizeRounds,
} from "../support/crash-rounds.ts";

// The long run is `npm run crash -- --runs 100 --db pg`; two rounds keep the suite quick.
const ROUNDS = Number(process.env.FLOODGATE_CRASH_ROUNDS ?? 2);

/** `floodgate tick` SIGKILLed mid-publish, then restarted: the promise holds after every kill. */
describe("a publish killed at a random point", () => {
  let rig: CrashRig;
  beforeAll(async () => {
    rig = await startCrashRig("crash");
  }, 600_000);
  afterAll(() => rig?.close());

  it("serves a whole release throughout and resumes on the next tick", {
    timeout: ROUNDS * 300_000,
  }, async () => {
    // Early in the downloads, then late in the publish (branch update or flip), of the window.
    const points = [0.1, 0.85];
    const reports = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const at = points[(round - 1) % points.length] ?? 0.5;
      reports.push(await crashRound(rig, round, () => at));
    }
    const problems = reports.flatMap((r) => r.problems);
    expect(problems).toEqual([]);
    expect(summarizeRounds(reports)).toMatchObject({
      runs: ROUNDS,
      halfServed: 0,
      notServingNewAfterRecovery: 0,
      branchAndReleaseDisagree: 0,
      publishedTwice: 0,
      movedBackwards: 0,
      neverRecovered: 0,
      tempFilesLeftAfterRestart: 0,
    });
    expect(
      reports.every((r) => r.servedAfterKill === "previous" || r.servedAfterKill === "new"),
    ).toBe(true);
  });
});
