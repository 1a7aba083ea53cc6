import { describe, expect, it } from "vitest";
import { createClientAllowance } from "./client-allowance.ts";

describe("createClientAllowance", () => {
  it("lets each client make `perMinute` lookups at once, then one per refill", () => {
    let now = 0;
    const admit = createClientAllowance({ perMinute: 3, maxClients: 10, now: () => now });
    expect([1, 2, 3, 4].map(() => admit("a").ok)).toEqual([true, true, true, false]);
    expect(admit("a")).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(admit("b").ok).toBe(true);
    now += 20_000;
    expect([admit("a").ok, admit("a").ok]).toEqual([true, false]);
  });

  it("refuses everything when the limit is 0", () => {
    const admit = createClientAllowance({ perMinute: 0, maxClients: 10, now: () => 0 });
    expect(admit("a")).toEqual({ ok: false, retryAfterSeconds: 60 });
  });
});
