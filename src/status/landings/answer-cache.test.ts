import { describe, expect, it } from "vitest";
import { answerCache } from "./answer-cache.ts";

describe("answerCache", () => {
  it("reuses an answer until it expires or the generation moves, and keeps no failure", async () => {
    let now = 0;
    let generation = 1;
    let asked = 0;
    const cache = answerCache<number>({
      generation: async () => generation,
      nowMs: () => now,
      ttlMs: 1_000,
    });
    const answer = async () => ++asked;
    expect(await Promise.all([cache("abc1234", answer), cache("abc1234", answer)])).toEqual([1, 1]);
    now = 999;
    expect(await cache("abc1234", answer)).toBe(1);
    now = 1_000;
    expect(await cache("abc1234", answer)).toBe(2);
    generation = 2;
    expect(await cache("abc1234", answer)).toBe(3);
    expect(await cache("def5678", answer)).toBe(4);
    const failing = () => Promise.reject(new Error("GitHub down"));
    await expect(cache("0000000", failing)).rejects.toThrow("GitHub down");
    expect(await cache("0000000", answer)).toBe(5);
  });
});
