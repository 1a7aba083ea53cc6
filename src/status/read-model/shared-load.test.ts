import { describe, expect, it } from "vitest";
import { sharedLoad } from "./shared-load.ts";

describe("sharedLoad", () => {
  it("gives concurrent calls with one key the one load in flight, and loads again once it settled", async () => {
    const calls: string[] = [];
    const release: (() => void)[] = [];
    const load = sharedLoad((key: string) => {
      calls.push(key);
      const n = calls.length;
      return new Promise<string>((resolve) => release.push(() => resolve(`${key}#${n}`)));
    });
    const burst = [load("a"), load("a"), load("b"), load("a")];
    expect(calls).toEqual(["a", "b"]);
    for (const r of release) r();
    expect(await Promise.all(burst)).toEqual(["a#1", "a#1", "b#2", "a#1"]);
    const later = load("a");
    expect(calls).toEqual(["a", "b", "a"]);
    release[2]?.();
    expect(await later).toBe("a#3");
  });

  it("lets a failed load fail every caller that shared it, and retries on the next call", async () => {
    let n = 0;
    const load = sharedLoad(async () => {
      n += 1;
      if (n === 1) throw new Error("database gone");
      return n;
    });
    const [first, second] = await Promise.allSettled([load("x"), load("x")]);
    expect(first.status).toBe("rejected");
    expect(second.status).toBe("rejected");
    expect(await load("x")).toBe(2);
  });
});
