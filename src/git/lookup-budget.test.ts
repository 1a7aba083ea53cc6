import { describe, expect, it } from "vitest";
import { createLookupBudget, newestRateLimit } from "./lookup-budget.ts";
import type { RateLimitState } from "./rate-limit-watch.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");

describe("createLookupBudget", () => {
  it("grants `perHour` requests per hour window, then says when the window ends", () => {
    let now = T0;
    const budget = createLookupBudget(
      { perHour: 3, reserve: 0 },
      () => null,
      () => now,
    );
    expect([1, 2, 3].map(() => budget.take().kind)).toEqual(["granted", "granted", "granted"]);
    now += 600_000;
    expect(budget.take()).toEqual({ kind: "budget-spent", retryAfterSeconds: 3000 });
    now = T0 + 3_600_000;
    expect(budget.take().kind).toBe("granted");
    expect(budget.usage()).toEqual({ spent: 1, inFlight: 4 });
  });

  it("keeps GitHub's remaining limit above the reserve, counting requests still in flight", () => {
    const now = T0;
    const github: RateLimitState = { limit: 5000, remaining: 1002, resetAt: new Date(T0 + 60_000) };
    const budget = createLookupBudget(
      { perHour: 100, reserve: 1000 },
      () => github,
      () => now,
    );
    const first = budget.take();
    const second = budget.take();
    expect([first.kind, second.kind]).toEqual(["granted", "granted"]);
    expect(budget.take()).toEqual({ kind: "reserve", retryAfterSeconds: 60 });
    // Both answered: GitHub now says 1000 left, and nothing is in flight: still paused.
    if (first.kind === "granted") first.done();
    if (second.kind === "granted") second.done();
    github.remaining = 1000;
    expect(budget.take().kind).toBe("reserve");
    // A window past its reset says nothing about the next one.
    github.resetAt = new Date(T0 - 1);
    expect(budget.take().kind).toBe("granted");
  });
});

describe("newestRateLimit", () => {
  it("prefers the latest window, then the fewest remaining", () => {
    const a = { limit: 5000, remaining: 10, resetAt: new Date(T0) };
    const b = { limit: 5000, remaining: 4000, resetAt: new Date(T0 + 3_600_000) };
    const c = { limit: 5000, remaining: 3900, resetAt: new Date(T0 + 3_600_000) };
    expect(newestRateLimit([a, null, b, c])).toBe(c);
    expect(newestRateLimit([null, null])).toBeNull();
  });
});
