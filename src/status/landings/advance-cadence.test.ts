import { describe, expect, it } from "vitest";
import { estimateLanding } from "./advance-cadence.ts";

const HOUR = 3_600_000;
const t0 = new Date("2026-03-01T00:00:00Z").getTime();
const at = (hours: number) => new Date(t0 + hours * HOUR);

describe("estimateLanding", () => {
  it("says unknown with fewer than three published releases", () => {
    expect(estimateLanding([at(0), at(5)], at(6), true)).toEqual({
      kind: "unknown",
      reason: "2 published release(s); 3 are needed to estimate a cadence",
    });
    expect(estimateLanding([], at(6), true).kind).toBe("unknown");
  });

  it("projects the median interval from the last release when an eval containing it runs", () => {
    // Intervals 2, 4 and 30 hours: the median (4) ignores the one long stall.
    const eta = estimateLanding([at(0), at(2), at(6), at(36)], at(37), true);
    expect(eta).toEqual({
      kind: "estimate",
      at: at(40).toISOString(),
      medianIntervalSeconds: 4 * 3600,
      basedOnReleases: 4,
      lastReleaseAt: at(36).toISOString(),
    });
  });

  it("adds one interval when no eval containing the commit is running yet", () => {
    const eta = estimateLanding([at(6), at(0), at(3)], at(7), false);
    expect(eta).toMatchObject({ kind: "estimate", at: at(12).toISOString() });
  });

  it("moves an overdue channel's estimate to its next slot after now", () => {
    const eta = estimateLanding([at(0), at(1), at(2)], at(5.5), true);
    expect(eta).toMatchObject({ kind: "estimate", at: at(6).toISOString() });
  });

  it("uses only the ten newest releases", () => {
    const old = Array.from({ length: 20 }, (_, i) => at(i * 100));
    const recent = Array.from({ length: 10 }, (_, i) => at(2000 + i));
    const eta = estimateLanding([...old, ...recent], at(2009.5), true);
    expect(eta).toMatchObject({ medianIntervalSeconds: 3600, basedOnReleases: 10 });
  });
});
