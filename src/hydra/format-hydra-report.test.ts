import { describe, expect, it } from "vitest";
import { formatDuration, formatHydraReport } from "./format-hydra-report.ts";
import type { HydraReport } from "./hydra-report.ts";

describe("formatDuration", () => {
  it("gives days and hours, hours and minutes, or minutes", () => {
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe("3d 4h");
    expect(formatDuration(5 * 3_600_000 + 12 * 60_000)).toBe("5h 12m");
    expect(formatDuration(40 * 60_000 + 59_000)).toBe("40m");
    expect(formatDuration(59_000)).toBe("<1m");
    expect(formatDuration(-5_000)).toBe("<1m");
  });
});

describe("formatHydraReport", () => {
  const empty: HydraReport = {
    channel: "nixpkgs-unstable",
    job: "nixpkgs/unstable/unstable",
    gate: null,
    counts: { passed: 0, failed: 0, pending: 0, total: 0 },
    failing: [],
    pending: [],
    newestEval: null,
  };

  it("says when a job has no finished build, and whether the newest eval is done", () => {
    const newestEval = {
      project: "nixpkgs",
      jobset: "unstable",
      scheduled: 0,
      succeeded: 9,
      failed: 0,
      total: 9,
      lastCheckedAt: null,
    };
    expect(formatHydraReport({ ...empty, newestEval }, new Date())).toEqual([
      "nixpkgs-unstable: Hydra job nixpkgs/unstable/unstable",
      "  no finished build of this job yet",
      "  the newest eval of nixpkgs/unstable has finished building",
    ]);
  });

  it("lists at most 20 pending constituents, restarted ones as an upper bound", () => {
    const now = new Date("2026-09-01T12:00:00Z");
    const pending = Array.from({ length: 23 }, (_, i) => ({
      buildId: i + 1,
      job: `nixos.tests.t${i}.x86_64-linux`,
      system: "x86_64-linux",
      state: "pending" as const,
      buildstatus: i === 0 ? 1 : null,
      statusText: "pending",
      url: `https://hydra.example/build/${i + 1}`,
      restarted: i === 0,
      waitingSince: "2026-09-01T10:30:00.000Z",
    }));
    const gate = {
      buildId: 100,
      evalId: 10,
      releaseName: "nixos-26.11pre1.0123456789ab",
      revision: "0123456789ab".padEnd(40, "0"),
      url: "https://hydra.example/build/100",
      evalUrl: "https://hydra.example/eval/10",
      state: "failed" as const,
      statusText: "dependency failed",
      releasable: false,
      evaluatedAt: null,
      finishedAt: null,
    };
    const lines = formatHydraReport({ ...empty, gate, pending }, now);
    expect(lines).toContain(
      "    ⧖ nixos.tests.t0.x86_64-linux: restarted, queued at most 1h 30m  https://hydra.example/build/1",
    );
    expect(lines).toContain(
      "    ⧖ nixos.tests.t1.x86_64-linux: queued 1h 30m  https://hydra.example/build/2",
    );
    expect(lines.filter((l) => l.includes("⧖ nixos.tests"))).toHaveLength(20);
    expect(lines.at(-1)).toBe("    … and 3 more");
  });
});
