import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { branchHeads, commits, releaseCommits, releases } from "../../src/db/schema.ts";
import { type Harness, startHarness } from "../support/harness.ts";

describe("the tick's GitHub traffic against the simulator", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    // Whatever a test did, floodgate never asked GitHub to force a branch.
    for (const r of h.sim.github.requests.filter((req) => req.method === "PATCH")) {
      expect(r.body).toEqual({ sha: expect.any(String), force: false });
    }
    await h.close();
  });

  const nixos = () => h.channel("nixos-unstable");
  const model = () => h.sim.github.model;
  const requestsSince = (n: number) =>
    h.sim.github.requests.slice(n).map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`);
  const recordedHead = async (branch: string) =>
    (
      await h.deps.db
        .select({ sha: branchHeads.sha })
        .from(branchHeads)
        .where(eq(branchHeads.branch, branch))
        .orderBy(desc(branchHeads.id))
        .limit(1)
    )[0]?.sha;
  const known = async (shas: string[]) =>
    h.deps.db
      .select({ sha: commits.sha, branch: commits.firstSeenBranch })
      .from(commits)
      .where(inArray(commits.sha, shas));

  async function advance() {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({ kind: "advanced" });
    return ev;
  }

  it("answers an idle tick with 304s only, at no rate-limit cost", async () => {
    h.seedBranches();
    await advance();
    const repo = "/repos/NixOS/nixpkgs";
    let before = h.sim.github.requests.length;
    expect((await tickChannel(h.deps, nixos())).kind).toBe("idle");
    // Our own PATCH moved the channel branch, and the read-back that confirmed it already read
    // it in full; the push recorded the new head, so there is nothing between the two to compare.
    expect(requestsSince(before)).toEqual([
      `GET ${repo}/branches/master 304`,
      `GET ${repo}/branches/nixos-unstable 304`,
    ]);

    before = h.sim.github.requests.length;
    const used = h.sim.github.rateLimits.authenticated.used;
    expect((await tickChannel(h.deps, nixos())).kind).toBe("idle");
    expect(requestsSince(before)).toEqual([
      `GET ${repo}/branches/master 304`,
      `GET ${repo}/branches/nixos-unstable 304`,
    ]);
    expect(h.sim.github.rateLimits.authenticated.used).toBe(used);
  });

  it("records every commit between two observations, paging compare past 250", async () => {
    h.seedBranches();
    await tickChannel(h.deps, nixos());
    const pushed = Array.from({ length: 300 }, (_, i) => model().commit("master", `bump ${i}`));
    const before = h.sim.github.requests.length;
    await tickChannel(h.deps, nixos());
    expect((await known(pushed)).map((c) => c.branch)).toEqual(Array(300).fill("master"));
    const pages = h.sim.github.requests
      .slice(before)
      .filter((r) => r.path.includes("/compare/"))
      .map((r) => new URL(r.path, "http://x").search);
    expect(pages).toEqual(["?per_page=100&page=1", "?per_page=100&page=2", "?per_page=100&page=3"]);
    expect(await recordedHead("master")).toBe(pushed[299]);
  });

  it("waits out an exhausted rate limit until its reset, then records the observation", async () => {
    h.seedBranches();
    await tickChannel(h.deps, nixos());
    const pushed = [model().commit("master", "a"), model().commit("master", "b")];
    const bucket = h.sim.github.rateLimits.authenticated;
    bucket.used = bucket.limit;
    bucket.reset = Math.ceil(Date.now() / 1000) + 1;
    const started = Date.now();
    const before = h.sim.github.requests.length;
    expect((await tickChannel(h.deps, nixos())).kind).toBe("idle");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(requestsSince(before)[0]).toBe("GET /repos/NixOS/nixpkgs/branches/master 403");
    expect((await known(pushed)).length).toBe(2);
    expect(await recordedHead("master")).toBe(pushed[1]);
    expect(h.logs.some((l) => l.includes('"msg":"github rate limited"'))).toBe(true);
  });

  it("keeps nothing half-recorded when a rate limit outlasts the wait; the next tick records it", async () => {
    h.seedBranches();
    await tickChannel(h.deps, nixos());
    const old = await recordedHead("master");
    const pushed = [model().commit("master", "a"), model().commit("master", "b")];
    h.sim.github.faults.add({
      path: /\/compare\//,
      status: 403,
      headers: {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 3600),
      },
      body: { message: "API rate limit exceeded for user ID 1." },
    });
    // Tracking master only feeds the page: the rate limit is a note, not a failed tick.
    expect(await tickChannel(h.deps, nixos())).toMatchObject({
      kind: "idle",
      decision: {
        notes: [{ kind: "page-work-failed", work: "source-branch", code: "GITHUB_RATE_LIMITED" }],
      },
    });
    expect(await recordedHead("master")).toBe(old);
    expect(await known(pushed)).toEqual([]);

    await tickChannel(h.deps, nixos());
    expect((await known(pushed)).length).toBe(2);
    expect(await recordedHead("master")).toBe(pushed[1]);
  });

  it("refuses a non-fast-forward when someone pushes between the check and the PATCH", async () => {
    h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    let hotfix = "";
    h.sim.github.faults.add({
      path: /\/git\/refs\/heads(\/|%2F)nixos-unstable$/,
      method: "PATCH",
      onMatch: () => {
        hotfix = model().commit("nixos-unstable", "pushed by hand");
      },
    });
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({ kind: "blocked" });
    expect(outcome.summary).toMatch(/updating the branch failed: .*Update is not a fast forward/);
    expect(model().branchHead("nixos-unstable")).toBe(hotfix);
    const patches = h.sim.github.requests.filter((r) => r.method === "PATCH");
    expect(patches.map((p) => [p.body, p.status])).toEqual([
      [{ sha: ev.revision, force: false }, 422],
    ]);

    // Next time the compare already shows the divergence: refused without another PATCH.
    const again = await tickChannel(h.deps, nixos());
    expect(again.kind).toBe("blocked");
    expect(again.summary).toMatch(/not a fast-forward|diverged/);
    expect(h.sim.github.requests.filter((r) => r.method === "PATCH")).toHaveLength(1);
  });

  it("records the commits each published release brought into its channel", async () => {
    const seed = h.seedBranches();
    const firstBatch = [model().branchHead("master") ?? "", model().commit("master", "c1")];
    const first = await advance();
    const secondBatch = [model().commit("master", "c2"), model().commit("master", "c3")];
    const second = await advance();
    const landed = async (name: string) =>
      (
        await h.deps.db
          .select({ sha: releaseCommits.sha })
          .from(releaseCommits)
          .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
          .where(and(eq(releases.name, name), eq(releases.channel, "nixos-unstable")))
          .orderBy(asc(releaseCommits.sha))
      ).map((r) => r.sha);
    expect(await landed(first.releaseName)).toEqual([...firstBatch].sort());
    expect(await landed(second.releaseName)).toEqual([...secondBatch].sort());
    expect(await landed(first.releaseName)).not.toContain(seed);
  });
});
