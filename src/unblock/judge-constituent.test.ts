import { describe, expect, it } from "vitest";
import { judgeConstituent, outcomeOf, stripOf } from "./judge-constituent.ts";
import type { ConstituentRun, RunOutcome } from "./unblock-types.ts";

const CODE: Record<string, RunOutcome> = {
  "✔": "passed",
  "↻": "passed-on-restart",
  "✖": "failed",
  "⧖": "pending",
  "·": "absent",
};

/** Runs from a strip, eval ids 101, 102, …; a digit after ✖ is its failed attempts. */
function runs(strip: string): ConstituentRun[] {
  const out: ConstituentRun[] = [];
  for (const ch of strip) {
    const last = out.at(-1);
    if (/\d/.test(ch) && last) {
      last.failedAttempts = Number(ch);
      continue;
    }
    const outcome = CODE[ch];
    if (!outcome) throw new Error(`bad mark ${ch}`);
    const n = out.length + 101;
    out.push({
      evalId: n,
      revision: `rev${n}`,
      evaluatedAt: null,
      buildId: outcome === "absent" ? null : n * 10,
      outcome,
      failedAttempts: outcome === "failed" || outcome === "passed-on-restart" ? 1 : 0,
    });
  }
  return out;
}

describe("outcomeOf", () => {
  it.each([
    [[0], true, "passed", 0],
    [[1, 0], true, "passed-on-restart", 1],
    [[1], true, "failed", 1],
    [[1, 7], true, "failed", 2],
    [[1], false, "pending", 1],
    [[], false, "pending", 0],
  ] as const)("%j finished=%s → %s", (statuses, finished, outcome, failed) => {
    expect(outcomeOf([...statuses], finished)).toEqual({ outcome, failedAttempts: failed });
  });
});

describe("judgeConstituent", () => {
  it.each([
    // strip, verdict kind, text
    [
      "✔✔✔↻✔✔✔✔↻✔✔✔✔✔↻✔✔✔✔✖",
      "flaky",
      "likely flaky: failed 4 times in 20 evals, each earlier failure passed on restart",
    ],
    [
      "✔✔✖✔✔✔✔↻✔✔✔✖",
      "flaky",
      "likely flaky: failed 3 times in 12 evals, 1 passed on restart, the others in the next eval",
    ],
    ["✔✔✔✔✔✔✔✔✔✖✖✖", "consistent", "failing since eval 110 (first bad; passed in eval 109)"],
    ["✔✔✔✔✔✔✔✔✔✔✔✖", "consistent", "failing since eval 112 (first bad; passed in eval 111)"],
    // A restart that failed again is two failed attempts: too unlikely for a rare flake.
    ["✔✔✔✔✔✔✔✔✔↻✔✖3", "consistent", "failing since eval 112 (first bad; passed in eval 111)"],
    // Flaky history, but a long streak of failures no longer fits the rate.
    ["✔↻✔✔↻✔✔✔✖✖✖✖", "consistent", "failing since eval 109 (first bad; passed in eval 108)"],
    ["✖✖✖", "consistent", "failing in every eval recorded (since eval 101 at least)"],
    ["✔✔·✔✖·✖", "consistent", "failing since eval 105 (first bad; passed in eval 104)"],
    ["✔✖↻", "passing", "passed on restart in eval 103"],
    ["✔✖⧖", "pending", "building (queued or restarted)"],
    ["···", "unknown", "no result recorded yet"],
  ])("%s → %s", (strip, kind, text) => {
    const j = judgeConstituent(runs(strip));
    expect(j.verdict.kind).toBe(kind);
    expect(j.verdict.text).toBe(text);
    expect(stripOf(runs(strip))).toBe(strip.replace(/\d/g, ""));
  });

  it("names the first bad and last good evals with their revisions", () => {
    const j = judgeConstituent(runs("✔✔✔✔✖✖"));
    expect(j.verdict).toMatchObject({
      kind: "consistent",
      firstBad: { evalId: 105, revision: "rev105" },
      lastGood: { evalId: 104, revision: "rev104" },
    });
  });

  it("counts a failing build shared by several evals once", () => {
    const shared = runs("✔✔↻✔✔✔✔✔✖✖✖");
    for (const r of shared.slice(-3)) r.buildId = 999;
    // One failed build (p ≈ 1/8 ≥ 5%) stays flaky; three separate ones (p³) would not.
    expect(judgeConstituent(shared).verdict.kind).toBe("flaky");
    expect(judgeConstituent(runs("✔✔↻✔✔✔✔✔✖✖✖")).verdict.kind).toBe("consistent");
  });

  it("learns the flake rate from evals older than the window it shows", () => {
    const history = runs(`✔↻✔↻✔✔✔${"✔".repeat(19)}✖`);
    expect(judgeConstituent(history.slice(-20)).verdict.kind).toBe("consistent");
    const j = judgeConstituent(history, 20);
    expect(j.evals).toBe(20);
    expect(j.verdict).toMatchObject({
      kind: "flaky",
      text: "likely flaky: failed 1 time in 20 evals; 2 of its 26 results before failed and did not stick",
    });
  });

  it("scores flakiness as the share of results that were failures which did not stick", () => {
    const j = judgeConstituent(runs("✔↻✔✖✔✔✔✔✔✔"));
    expect(j.flakiness).toBeCloseTo(2 / 10);
    expect(j.failures).toBe(2);
    expect(j.restartsPassed).toBe(1);
    expect(judgeConstituent(runs("✔✔✔✖✖")).flakiness).toBe(0);
  });
});
