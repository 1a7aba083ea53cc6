import { describe, expect, it } from "vitest";
import { GitModel, hex40 } from "./git-model.ts";

function forkedModel() {
  const model = new GitModel();
  const base = model.commit("master", "base");
  model.createBranch("nixos-unstable", base);
  return { model, base };
}

describe("GitModel", () => {
  it("commits on a branch and moves the branch to the new commit", () => {
    const model = new GitModel();
    const root = model.branchHead("master");
    const sha = model.commit("master", "hello: 1.0 -> 1.1");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(model.branchHead("master")).toBe(sha);
    expect(model.getCommit(sha)?.parents).toEqual([root]);
    expect(model.getCommit(sha)?.message).toBe("hello: 1.0 -> 1.1");
  });

  it("derives the same shas from the same history", () => {
    const shas = () => {
      const model = new GitModel();
      return [model.commit("master", "a"), model.commit("master", "b")];
    };
    expect(shas()).toEqual(shas());
    expect(new Set(shas()).size).toBe(2);
    expect(hex40("x")).not.toBe(hex40("y"));
  });

  it("stamps commits with its clock, which can be set and advanced", () => {
    const model = new GitModel({ start: new Date("2026-03-01T00:00:00Z") });
    const first = model.commit("master", "one");
    model.advance(60_000);
    const second = model.commit("master", "two");
    const explicit = model.commit("master", "three", new Date("2026-04-01T00:00:00Z"));
    expect(model.getCommit(first)?.committedAt.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(model.getCommit(second)?.committedAt.toISOString()).toBe("2026-03-01T00:01:00.000Z");
    expect(model.getCommit(explicit)?.committedAt.toISOString()).toBe("2026-04-01T00:00:00.000Z");
  });

  it("answers ancestry and rev-list counts", () => {
    const { model, base } = forkedModel();
    const tip = model.commit("master", "next");
    expect(model.isAncestor(base, tip)).toBe(true);
    expect(model.isAncestor(tip, base)).toBe(false);
    expect(model.isAncestor(tip, tip)).toBe(true);
    expect(model.revCount(tip)).toBe(3);
  });

  it("compares like GitHub: ahead, behind, identical and diverged", () => {
    const { model, base } = forkedModel();
    const a1 = model.commit("master", "a1");
    const a2 = model.commit("master", "a2");
    expect(model.compare(base, a2)).toMatchObject({ status: "ahead", ahead_by: 2, behind_by: 0 });
    expect(model.compare(base, a2).commits.map((c) => c.sha)).toEqual([a1, a2]);
    expect(model.compare(a2, base)).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 2 });
    expect(model.compare(a2, base).commits).toEqual([]);
    expect(model.compare(a2, a2)).toMatchObject({ status: "identical", ahead_by: 0 });
    const side = model.commit("nixos-unstable", "hotfix");
    const diverged = model.compare(a2, side);
    expect(diverged).toMatchObject({ status: "diverged", ahead_by: 1, behind_by: 2 });
    expect(diverged.merge_base).toBe(base);
  });

  it("lets someone else move, force-push, create and delete branches", () => {
    const { model, base } = forkedModel();
    const tip = model.commit("master", "x");
    model.setBranch("master", base);
    expect(model.branchHead("master")).toBe(base);
    model.createBranch("staging", tip);
    expect(model.branches).toMatchObject({ master: base, staging: tip, "nixos-unstable": base });
    expect(() => model.createBranch("staging", tip)).toThrow(/exists/);
    expect(() => model.setBranch("master", "0".repeat(40))).toThrow(/no commit/);
    model.deleteBranch("staging");
    expect(model.branchHead("staging")).toBeUndefined();
  });

  it("resolves branch names, full shas and unambiguous prefixes", () => {
    const { model } = forkedModel();
    const tip = model.commit("master", "x");
    expect(model.resolve("master")).toBe(tip);
    expect(model.resolve(tip)).toBe(tip);
    expect(model.resolve(tip.slice(0, 12))).toBe(tip);
    expect(model.resolve("nope")).toBeUndefined();
  });

  it("counts merge commits' second parents as reachable", () => {
    const { model, base } = forkedModel();
    const side = model.commit("nixos-unstable", "side");
    const merge = model.merge("master", side, "Merge nixos-unstable");
    expect(model.isAncestor(side, merge)).toBe(true);
    expect(model.compare(base, merge)).toMatchObject({ status: "ahead", ahead_by: 2 });
  });

  it("keeps a table of pull requests by merge commit", () => {
    const { model } = forkedModel();
    const sha = model.commit("master", "Merge pull request #1 from x/y");
    model.addPull({ number: 1, title: "hello: init", mergeCommitSha: sha, baseRef: "master" });
    model.addPull({ number: 2, title: "draft", mergeCommitSha: null, baseRef: "master" });
    expect(model.pull(1)).toMatchObject({ state: "closed", mergeCommitSha: sha });
    expect(model.pull(2)).toMatchObject({ state: "open", mergedAt: null });
    expect(model.pullsForCommit(sha).map((p) => p.number)).toEqual([1]);
  });
});
