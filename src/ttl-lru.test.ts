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
