import { describe, expect, it } from "vitest";
import { NotFoundError, UpstreamError } from "../../errors.ts";
import { answerCache, heldGeneration } from "./answer-cache.ts";

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

describe("answerCache, when GitHub could not help", () => {
  it("keeps a degraded answer and an outage's failure only briefly; other failures not at all", async () => {
    let now = 0;
    let asked = 0;
    const cache = answerCache<{ n: number; partial?: string }>({
      generation: async () => 1,
      nowMs: () => now,
      ttlMs: 30_000,
      degradedTtlMs: 10_000,
      isDegraded: (v) => v.partial !== undefined,
    });
    const degraded = async () => ({ n: ++asked, partial: "GITHUB_UNREACHABLE" });
    expect(await cache("abc1234", degraded)).toMatchObject({ n: 1 });
    now = 9_999;
    expect(await cache("abc1234", degraded)).toMatchObject({ n: 1 });
    now = 10_000;
    expect(await cache("abc1234", degraded)).toMatchObject({ n: 2 });

    const down = () => {
      asked++;
      return Promise.reject(new UpstreamError("GITHUB_UNREACHABLE", "down", { retryable: true }));
    };
    await expect(cache("0000000", down)).rejects.toThrow("down");
    await expect(cache("0000000", down)).rejects.toThrow("down");
    expect(asked).toBe(3);
    now = 20_000;
    await expect(cache("0000000", down)).rejects.toThrow("down");
    expect(asked).toBe(4);

    const missing = () => {
      asked++;
      return Promise.reject(new NotFoundError("no commit"));
    };
    await expect(cache("1111111", missing)).rejects.toThrow("no commit");
    await expect(cache("1111111", missing)).rejects.toThrow("no commit");
    expect(asked).toBe(6);
  });
});

describe("heldGeneration", () => {
  it("answers from the held snapshot without waiting for a reload; waits only when none is held", async () => {
    let held: { generation: number } | null = null;
    let reloads = 0;
    const readModel = {
      peek: () => held,
      current: () => {
        reloads++;
        return new Promise<{ generation: number }>((resolve) => {
          setTimeout(() => resolve({ generation: 7 }), 5);
        });
      },
    };
    const generation = heldGeneration(readModel);
    expect(await generation()).toBe(7);
    expect(reloads).toBe(1);
    held = { generation: 8 };
    expect(await generation()).toBe(8);
    expect(reloads).toBe(1);
  });
});
