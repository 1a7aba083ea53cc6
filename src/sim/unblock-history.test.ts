import { describe, expect, it } from "vitest";
import { DEFAULT_WINDOW, judgeConstituent, outcomeOf } from "../unblock/judge-constituent.ts";
import type { ConstituentRun } from "../unblock/unblock-types.ts";
import { planUnblockHistory, UNBLOCK_HISTORY } from "./unblock-history.ts";

const shape = { ...UNBLOCK_HISTORY, evals: 200, constituents: 20, breakChance: 0.005 };

describe("planUnblockHistory", () => {
  const history = planUnblockHistory(shape, 7);

  it("is the same for the same seed, and a break fails every attempt while it lasts", () => {
    expect(planUnblockHistory(shape, 7)).toEqual(history);
    expect(history.breaks.length).toBeGreaterThan(0);
    for (const b of history.breaks) {
      for (let i = b.start; i < b.end; i++) {
        const run = history.evals[i]?.runs[b.constituent];
        expect([run?.first, ...(run?.restarts ?? [])].every((s) => s === 1)).toBe(true);
      }
    }
  });

  it("gives verdicts that mostly match its truth (judged without a database)", () => {
    let right = 0;
    let judged = 0;
    history.evals.forEach((ev, i) => {
      ev.runs.forEach((run, c) => {
        if (run.first === 0) return;
        const runs: ConstituentRun[] = [];
        for (let k = Math.max(0, i - DEFAULT_WINDOW + 1); k <= i; k++) {
          const r = history.evals[k]?.runs[c];
          const statuses = k === i ? [run.first] : [r?.first ?? 0, ...(r?.restarts ?? [])];
          runs.push({
            evalId: k,
            revision: null,
            evaluatedAt: null,
            buildId: k,
            ...outcomeOf(statuses, true),
          });
        }
        const broken = history.breaks.some((b) => b.constituent === c && b.start <= i && i < b.end);
        const said = judgeConstituent(runs).verdict.kind;
        judged++;
        if (said === (broken ? "consistent" : "flaky")) right++;
      });
    });
    expect(judged).toBeGreaterThan(50);
    expect(right / judged).toBeGreaterThan(0.85);
  });
});
