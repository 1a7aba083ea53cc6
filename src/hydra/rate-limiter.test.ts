import { describe, expect, it } from "vitest";
import { createRateLimiter, parseRetryAfter } from "./rate-limiter.ts";

/** A clock that only moves when someone sleeps, so pacing is exact and instant. */
function fakeTime() {
  let nowMs = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => nowMs,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      nowMs += ms;
    },
    sleeps,
  };
}

const maxInAnySecond = (starts: number[]) =>
  Math.max(...starts.map((t) => starts.filter((s) => s >= t && s < t + 1000).length));

describe("createRateLimiter", () => {
  it("lets the first request start at once", async () => {
    const time = fakeTime();
    await createRateLimiter({ requestsPerSecond: 2, ...time }).acquire();
    expect(time.sleeps).toEqual([]);
  });

  it("spaces concurrent callers 1000/N ms apart, in arrival order", async () => {
    const time = fakeTime();
    const limiter = createRateLimiter({ requestsPerSecond: 4, ...time });
    const starts: Array<[number, number]> = [];
    await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map(async (i) => {
        await limiter.acquire();
        starts.push([i, time.now()]);
      }),
    );
    expect(starts.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const times = starts.map(([, t]) => t - 1_000_000);
    expect(times).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(maxInAnySecond(times)).toBe(4);
  });

  it("does not wait after an idle gap longer than the interval", async () => {
    const time = fakeTime();
    const limiter = createRateLimiter({ requestsPerSecond: 2, ...time });
    await limiter.acquire();
    await time.sleep(5000);
    time.sleeps.length = 0;
    await limiter.acquire();
    expect(time.sleeps).toEqual([]);
  });

  it("keeps waiting when a timer fires early", async () => {
    let nowMs = 0;
    const sleeps: number[] = [];
    const earlySleep = async (ms: number) => {
      sleeps.push(ms);
      nowMs += Math.max(1, ms - 3);
    };
    const limiter = createRateLimiter({
      requestsPerSecond: 10,
      now: () => nowMs,
      sleep: earlySleep,
    });
    await limiter.acquire();
    await limiter.acquire();
    expect(nowMs).toBeGreaterThanOrEqual(100);
    expect(sleeps.length).toBeGreaterThan(1);
  });

  it("refuses a rate that is not positive", () => {
    expect(() => createRateLimiter({ requestsPerSecond: 0 })).toThrow(/positive/);
    expect(() => createRateLimiter({ requestsPerSecond: Number.NaN })).toThrow(/positive/);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("1", now)).toBe(1000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter("Wed, 25 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("gives undefined for a missing or unreadable header", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("1.5.3", now)).toBeUndefined();
  });
});
