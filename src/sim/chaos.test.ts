import { describe, expect, it } from "vitest";
import { createChaos } from "./chaos.ts";

const picks = (seed: number, n: number) => {
  const chaos = createChaos({ seed, rate: 0.3 });
  return Array.from({ length: n }, () => chaos.pick("hydra", "GET", "/build/1"));
};

describe("chaos picks faults", () => {
  it("at about its rate, the same ones for the same seed", () => {
    expect(picks(5, 200)).toEqual(picks(5, 200));
    expect(picks(5, 200)).not.toEqual(picks(6, 200));
    const hits = picks(5, 2000).filter(Boolean).length;
    expect(hits).toBeGreaterThan(450);
    expect(hits).toBeLessThan(750);
  });

  it("only where they make sense: wrong bytes on products, force-pushes on branch reads", () => {
    const chaos = createChaos({ rate: 1 });
    const kinds = (upstream: "hydra" | "github" | "cache", method: string, path: string) =>
      new Set(Array.from({ length: 300 }, () => chaos.pick(upstream, method, path)));
    expect(kinds("hydra", "GET", "/build/7")).not.toContain("wrong-sha256");
    expect(kinds("hydra", "GET", "/build/7/download/1/nixexprs.tar.xz")).toContain("wrong-sha256");
    expect(kinds("github", "GET", "/repos/o/r/branches/nixos-unstable")).toContain("force-push");
    expect(kinds("github", "PATCH", "/repos/o/r/git/refs/heads/x")).not.toContain("force-push");
    expect(kinds("cache", "GET", "/nar/abc.nar.xz")).toContain("cache-timeout");
    expect(kinds("cache", "GET", "/abc.narinfo")).not.toContain("wrong-sha256");
  });

  it("counts by kind and by upstream, and none while switched off", () => {
    const chaos = createChaos({ rate: 1, kinds: ["server-error"] });
    chaos.pick("github", "GET", "/x");
    chaos.pick("cache", "GET", "/x");
    chaos.enabled = false;
    expect(chaos.pick("hydra", "GET", "/x")).toBeUndefined();
    expect(chaos.counts).toEqual({ "server-error": 2 });
    expect(chaos.byUpstream).toEqual({ "github server-error": 1, "cache server-error": 1 });
  });
});
