import { describe, expect, it } from "vitest";
import { dailyPeaks } from "./daily-peaks.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");
const iso = (days: number) => new Date(T0 + days * DAY).toISOString();

describe("dailyPeaks", () => {
  it("keeps each day's highest age, the sawtooth's top before a drop included", () => {
    // Age 1 day at day 0, growing; an advance at day 2.5 drops it from 3.5 to 0.5 days.
    const points = [
      { at: iso(0), seconds: 86_400 },
      { at: iso(2.5), seconds: 3.5 * 86_400 },
      { at: iso(2.5), seconds: 0.5 * 86_400 },
      { at: iso(4), seconds: 2 * 86_400 },
    ];
    expect(dailyPeaks(points, new Date(T0 + 4 * DAY), 4)).toEqual([2, 3, 3.5, 2]);
  });

  it("is 0 before anything was served", () => {
    expect(
      dailyPeaks(
        [
          { at: iso(2), seconds: 0 },
          { at: iso(3), seconds: 86_400 },
        ],
        new Date(T0 + 3 * DAY),
        3,
      ),
    ).toEqual([0, 0, 1]);
  });
});
