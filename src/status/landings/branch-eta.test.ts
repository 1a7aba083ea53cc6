import { describe, expect, it } from "vitest";
import { estimateLanding } from "./advance-cadence.ts";
import { chainedEta, earliestEta, estimateMerge, type MergeHistory } from "./branch-eta.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-06-01T00:00:00Z");
const day = (d: number) => new Date(T0 + d * DAY);
const iso = (d: number) => day(d).toISOString();
const byPull = (mergedAt: Date[]): MergeHistory => ({ source: "pull-requests", mergedAt });

describe("estimateMerge", () => {
  it("projects the median interval between merges to the first slot after now", () => {
    // Merged on days 0, 7, 14 and 20 (intervals 7, 7, 6: median 7); now day 22 → day 27.
    const eta = estimateMerge("staging-next", byPull([day(14), day(0), day(20), day(7)]), day(22));
    expect(eta).toEqual({
      kind: "merge-cadence",
      at: iso(27),
      from: "staging-next",
      medianIntervalSeconds: 7 * 86_400,
      basedOnMerges: 4,
      mergeSource: "pull-requests",
      lastMergeAt: iso(20),
    });
  });

  it("an overdue merge is still ahead: the next slot after now, never in the past", () => {
    const eta = estimateMerge("staging-next", byPull([day(0), day(7), day(14)]), day(30));
    expect(eta).toMatchObject({ kind: "merge-cadence", at: iso(35) });
  });

  it("counts only the newest ten merges", () => {
    const old = [0, 1, 2, 3, 4].map(day);
    const recent = Array.from({ length: 10 }, (_, i) => day(100 + 2 * i));
    const eta = estimateMerge("staging", byPull([...old, ...recent]), day(119));
    expect(eta).toMatchObject({ medianIntervalSeconds: 2 * 86_400, basedOnMerges: 10 });
  });

  it("no estimate from fewer than three merges, or merges all at once", () => {
    expect(estimateMerge("staging", byPull([day(0), day(3)]), day(4))).toEqual({
      kind: "unknown",
      reason: expect.stringMatching(/^2 recorded merge\(s\) of staging by pull request; 3 are/),
    });
    expect(estimateMerge("staging", byPull([]), day(4))).toMatchObject({ kind: "unknown" });
    expect(estimateMerge("staging", byPull([day(1), day(1), day(1)]), day(4))).toMatchObject({
      kind: "unknown",
      reason: "staging was merged all at once",
    });
  });

  it("says where the merges were found, and where else it looked when too few", () => {
    const pushed = estimateMerge(
      "staging",
      { source: "merge-commits", mergedAt: [day(0), day(7), day(14)] },
      day(15),
    );
    expect(pushed).toMatchObject({ mergeSource: "merge-commits", basedOnMerges: 3, at: iso(21) });
    const few = estimateMerge(
      "staging",
      { source: "pull-requests", mergedAt: [day(0)], alsoLooked: "and 1 merge commit(s)" },
      day(15),
    );
    expect(few).toEqual({
      kind: "unknown",
      reason:
        "1 recorded merge(s) of staging by pull request (and 1 merge commit(s)); 3 are needed to estimate when the next comes",
    });
  });
});

describe("chainedEta", () => {
  const masterEta = estimateMerge("staging-next", byPull([day(0), day(7), day(14)]), day(15));

  it("a channel behind its branch: the branch's ETA, then the channel's cadence from there", () => {
    // master ≈ day 21; releases every day, the last on day 14: next slot after 21 is 22, +1 for the eval.
    const releases = [day(12), day(13), day(14)];
    const eta = chainedEta("master", masterEta, (at) => estimateLanding(releases, at, false));
    expect(eta).toEqual({
      kind: "chained",
      at: iso(23),
      after: "master",
      afterAt: iso(21),
      medianIntervalSeconds: 86_400,
      cadenceOf: "releases",
      basedOn: 3,
    });
  });

  it("a branch two merges away chains merge cadences, and chains chain", () => {
    const stagingNext = chainedEta("staging", masterEta, (at) =>
      estimateMerge("staging", byPull([day(1), day(8), day(15)]), at),
    );
    expect(stagingNext).toMatchObject({
      kind: "chained",
      at: iso(22),
      cadenceOf: "merges",
      mergeSource: "pull-requests",
    });
    const further = chainedEta("staging-next", stagingNext, (at) =>
      estimateMerge("staging-next", byPull([day(0), day(7), day(14)]), at),
    );
    expect(further).toMatchObject({ at: iso(28), after: "staging-next", afterAt: iso(22) });
  });

  it("unknown when the node upstream has no ETA, or the step has no history", () => {
    const none = { kind: "unknown" as const, reason: "0 recorded merge(s)" };
    expect(chainedEta("master", none, () => masterEta)).toEqual({
      kind: "unknown",
      reason: "waits for master, which has no ETA: 0 recorded merge(s)",
    });
    expect(chainedEta("master", masterEta, (at) => estimateLanding([], at, false))).toMatchObject({
      kind: "unknown",
      reason: expect.stringMatching(/published release/),
    });
  });
});

describe("earliestEta", () => {
  it("takes the earliest timed ETA, else the first unknown, else none", () => {
    const late = estimateMerge("a", byPull([day(0), day(10), day(20)]), day(21));
    const soon = estimateMerge("b", byPull([day(0), day(2), day(4)]), day(5));
    const unknown = { kind: "unknown" as const, reason: "no history" };
    expect(earliestEta([unknown, late, soon])).toBe(soon);
    expect(earliestEta([unknown])).toBe(unknown);
    expect(earliestEta([])).toBeNull();
  });
});
