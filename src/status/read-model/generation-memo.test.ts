import { describe, expect, it } from "vitest";
import { generationMemo } from "./generation-memo.ts";

describe("generationMemo", () => {
  it("loads a key once per generation, sharing the load with concurrent calls", async () => {
    let generation = 1;
    const calls: string[] = [];
    const release: (() => void)[] = [];
    const memo = generationMemo(
      async () => generation,
      (key: string) => {
        calls.push(key);
        const n = calls.length;
        return new Promise<string>((resolve) => release.push(() => resolve(`${key}#${n}`)));
      },
    );
    const burst = Promise.all([memo("a"), memo("a"), memo("b")]);
    await Promise.resolve();
    await Promise.resolve();
    for (const r of release) r();
    expect(await burst).toEqual(["a#1", "a#1", "b#2"]);
    expect(await memo("a")).toBe("a#1");
    expect(calls).toEqual(["a", "b"]);

    generation = 2;
    const next = memo("a");
    await Promise.resolve();
    await Promise.resolve();
    release[2]?.();
    expect(await next).toBe("a#3");
    expect(calls).toEqual(["a", "b", "a"]);
  });

  it("keeps no failed load: every caller sharing it fails, the next call loads again", async () => {
    let n = 0;
    const memo = generationMemo(
      async () => 7,
      async () => {
        n += 1;
        if (n === 1) throw new Error("database gone");
        return n;
      },
    );
    const [first, second] = await Promise.allSettled([memo("x"), memo("x")]);
    expect(first.status).toBe("rejected");
    expect(second.status).toBe("rejected");
    expect(await memo("x")).toBe(2);
    expect(await memo("x")).toBe(2);
  });
});
