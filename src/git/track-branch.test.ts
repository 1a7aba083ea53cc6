import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useGitHubFixture } from "../../test/support/github-fixture.ts";
import { branchHeads, commits } from "../db/schema.ts";
import { jsonLogger } from "../log.ts";
import { trackBranch } from "./track-branch.ts";

const fx = useGitHubFixture();
const logs: { msg: string; [k: string]: unknown }[] = [];
const logger = jsonLogger((line) => logs.push(JSON.parse(line)));

const at = (iso: string) => new Date(iso);
const deps = () => ({ db: fx.handle.db, git: fx.git, logger });
const rows = (shas: string[]) =>
  fx.handle.db
    .select()
    .from(commits)
    .where(inArray(commits.sha, shas))
    .orderBy(commits.firstSeenAt);
const heads = (branch: string) =>
  fx.handle.db.select().from(branchHeads).where(eq(branchHeads.branch, branch));

describe("trackBranch", () => {
  it("records the head on first sight, then every commit between two observations", async () => {
    const model = fx.fake.model;
    model.createBranch("track-a", model.branchHead("master") ?? "");
    const first = model.commit("track-a", "one", at("2026-02-01T00:00:00Z"));
    expect((await trackBranch(deps(), "track-a", at("2026-02-01T01:00:00Z")))?.sha).toBe(first);
    const later = [model.commit("track-a", "two"), model.commit("track-a", "three")];
    await trackBranch(deps(), "track-a", at("2026-02-01T02:00:00Z"));
    expect(
      (await rows([first, ...later])).map((r) => [r.sha, r.firstSeenAt, r.firstSeenBranch]),
    ).toEqual([
      [first, at("2026-02-01T01:00:00Z"), "track-a"],
      [later[0], at("2026-02-01T02:00:00Z"), "track-a"],
      [later[1], at("2026-02-01T02:00:00Z"), "track-a"],
    ]);
    expect((await rows([first]))[0]?.committedAt).toEqual(at("2026-02-01T00:00:00Z"));
    expect((await heads("track-a")).map((h) => h.sha)).toEqual([first, later[1]]);

    // Another branch reaching the same commits does not change where they were first seen.
    model.createBranch("track-a-channel", later[1] ?? "");
    await trackBranch(deps(), "track-a-channel", at("2026-02-02T00:00:00Z"));
    expect((await rows([later[1] ?? ""]))[0]?.firstSeenBranch).toBe("track-a");
  });

  it("writes nothing and asks only for the head when the branch has not moved", async () => {
    fx.fake.model.createBranch("track-b", fx.fake.model.branchHead("master") ?? "");
    await trackBranch(deps(), "track-b", at("2026-02-03T00:00:00Z"));
    const before = fx.fake.requests.length;
    await trackBranch(deps(), "track-b", at("2026-02-03T01:00:00Z"));
    expect(fx.fake.requests.slice(before).map((r) => r.status)).toEqual([304]);
    expect(await heads("track-b")).toHaveLength(1);
  });

  it("caps a huge jump, logging it, and still records the new head", async () => {
    const model = fx.fake.model;
    model.createBranch("track-c", model.branchHead("master") ?? "");
    await trackBranch(deps(), "track-c", at("2026-02-04T00:00:00Z"));
    const pushed = Array.from({ length: 25 }, (_, i) => model.commit("track-c", `bump ${i}`));
    await trackBranch(deps(), "track-c", at("2026-02-04T01:00:00Z"), { maxCommits: 10 });
    const recorded = (await rows(pushed)).map((r) => r.sha);
    expect(recorded.sort()).toEqual([...pushed.slice(0, 10), pushed[24]].sort());
    expect(
      logs.find((l) => l.msg === "too many new commits to record; recording the oldest"),
    ).toMatchObject({
      branch: "track-c",
      aheadBy: 25,
      recorded: 10,
    });
  });

  it("logs a branch that moved other than forward and records what is new on it", async () => {
    const model = fx.fake.model;
    const base = model.branchHead("master") ?? "";
    model.createBranch("track-d", base);
    const dropped = model.commit("track-d", "to be dropped");
    await trackBranch(deps(), "track-d", at("2026-02-05T00:00:00Z"));
    model.setBranch("track-d", base);
    const replacement = model.commit("track-d", "force-pushed");
    await trackBranch(deps(), "track-d", at("2026-02-05T01:00:00Z"));
    expect((await rows([replacement])).map((r) => r.firstSeenBranch)).toEqual(["track-d"]);
    expect(logs.find((l) => l.msg === "branch moved other than forward")).toMatchObject({
      branch: "track-d",
      from: dropped,
      to: replacement,
      status: "diverged",
    });
  });
});
