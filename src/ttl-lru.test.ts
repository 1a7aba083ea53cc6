import { describe, expect, it } from "vitest";
import { createTtlLru, singleFlight } from "./ttl-lru.ts";

describe("createTtlLru", () => {
  it("forgets entries past their time and the least recently used past its size", () => {
    let now = 0;
    const lru = createTtlLru<string, number>({ maxEntries: 2, ttlMs: 100, now: () => now });
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1); // now "b" is the least recently used
    lru.set("c", 3);
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
    lru.set("short", 4, 10);
    now = 50;
    expect(lru.get("short")).toBeUndefined();
    now = 200;
    expect(lru.get("c")).toBeUndefined();
  });

  it("forgets the least recently used past its total weight, and never keeps one too heavy", () => {
    const lru = createTtlLru<string, string>({
      maxEntries: 100,
      maxWeight: 10,
      weightOf: (v) => v.length,
      ttlMs: 100,
      now: () => 0,
    });
    lru.set("a", "xxxx");
    lru.set("b", "xxxx");
    lru.get("a");
    lru.set("c", "xxxx"); // 12 > 10: "b" goes
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual(["xxxx", undefined, "xxxx"]);
    lru.set("a", "x"); // replacing frees the old weight: 1 + 4 + 5 fits
    lru.set("d", "xxxxx");
    expect([lru.get("a"), lru.get("c"), lru.get("d")]).toEqual(["x", "xxxx", "xxxxx"]);
    lru.set("huge", "x".repeat(11));
    expect([lru.get("huge"), lru.size]).toEqual([undefined, 3]);
  });
});

describe("singleFlight", () => {
  it("runs one call per key while it is in flight, then a new one", async () => {
    const shared = singleFlight<number>();
    let calls = 0;
    const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 5));
    expect(await Promise.all([shared("k", slow), shared("k", slow), shared("j", slow)])).toEqual([
      1, 1, 2,
    ]);
    expect(await shared("k", slow)).toBe(3);
    await expect(shared("x", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  });
});
