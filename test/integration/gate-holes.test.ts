import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { channels, releases } from "../../src/db/schema.ts";
import { githubFaults } from "../../src/sim/github-faults.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const REF_PATH = /\/git\/refs\/heads(\/|%2F)nixos-unstable$/;

describe("the gate refuses what it cannot vouch for", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const patches = () => h.sim.github.requests.filter((r) => r.method === "PATCH");
  const branchHead = (name: string) => h.sim.github.model.branchHead(name) ?? "";
  const served = async () => (await h.app.request("/nixos-unstable")).headers.get("location");
  const apiChannel = async () =>
    (await (await h.app.request("/api/v1/channels/nixos-unstable")).json()).channel;

  async function published() {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({ kind: "advanced" });
    return ev;
  }

  it("refuses a Hydra eval of a PR branch that descends from nixos-unstable, not master", async () => {
    h.seedBranches();
    const start = branchHead("nixos-unstable");
    h.sim.github.model.createBranch("pr-4242", start);
    h.sim.github.model.commit("pr-4242", "hello: a patch only this PR has");
    const ev = await h.sim.evaluate({ ...nixos(), sourceBranch: "pr-4242" });
    h.sim.hydra.model.finishEval(ev.evalId);

    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({
      kind: "blocked",
      decision: {
        reasons: [
          {
            kind: "not-on-source-branch",
            sourceBranch: "master",
            sourceHead: branchHead("master"),
            revision: ev.revision,
            relation: "diverged",
          },
        ],
      },
    });
    expect(outcome.summary).toContain(`${ev.revision.slice(0, 12)} is not on master`);
    expect(patches()).toHaveLength(0);
    expect(branchHead("nixos-unstable")).toBe(start);
    expect(await h.releaseCount()).toBe(0);
  });

  it("refuses a gate whose constituents Hydra lists as [], and one that lost most of them", async () => {
    h.seedBranches();
    const first = await published();
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const empty = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(empty.evalId, {
      "nixos.tests.firewall.x86_64-linux": 1,
      tested: 0,
    });
    const fault = h.sim.hydra.faults.add({
      path: new RegExp(`^/build/${empty.aggregateId}/constituents$`),
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: "[]",
      times: 100,
    });
    const outcome = await tickChannel(h.deps, nixos());
    expect(fault.hits).toBeGreaterThan(0);
    expect(outcome).toMatchObject({
      kind: "blocked",
      decision: { reasons: [{ kind: "suspicious-gate", constituents: 0, previous: 6 }] },
    });
    expect(outcome.summary).toMatch(/suspicious gate: Hydra lists 0 constituents/);
    expect(patches()).toHaveLength(1);
    expect(await served()).toContain(first.releaseName);

    h.sim.hydra.faults.clear();
    h.sim.github.model.commit("master", "nixos/tests: drop most of them by mistake");
    const shrunk = await h.sim.evaluate(nixos(), {
      constituents: ["nixos.tests.boot.x86_64-linux"],
    });
    h.sim.hydra.model.finishEval(shrunk.evalId);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({
      kind: "blocked",
      decision: { reasons: [{ kind: "suspicious-gate", constituents: 2, previous: 6 }] },
    });
    expect(patches()).toHaveLength(1);
  });

  it("does not flip the pointer when GitHub answers the ref PATCH with another sha; repairs it later", async () => {
    h.seedBranches();
    const first = await published();
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const next = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(next.evalId);
    h.sim.github.faults.add({
      path: REF_PATH,
      method: "PATCH",
      status: 200,
      body: { ref: "refs/heads/nixos-unstable", object: { sha: first.revision, type: "commit" } },
    });

    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({
      kind: "blocked",
      decision: { reasons: [{ kind: "step-failed", code: "BRANCH_UNCONFIRMED", attempts: 1 }] },
    });
    expect(outcome.summary).toContain(
      `GitHub answered the update with ${first.revision.slice(0, 12)}, not ${next.revision.slice(0, 12)}`,
    );
    expect(branchHead("nixos-unstable")).toBe(first.revision);
    expect(await served()).toContain(first.releaseName);
    expect((await apiChannel()).release.name).toBe(first.releaseName);

    const repaired = await tickChannel(h.deps, nixos());
    expect(repaired).toMatchObject({ kind: "advanced", release: next.releaseName });
    expect(branchHead("nixos-unstable")).toBe(next.revision);
    expect(await served()).toContain(next.releaseName);
  });

  it("still advances a good candidate when tracking the source branch fails; the note shows", async () => {
    h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    h.sim.github.faults.add({
      path: /\/branches\/master$/,
      times: 100,
      ...githubFaults.serverError,
    });

    const outcome = await tickChannel(h.deps, nixos());
    const note = { kind: "page-work-failed", work: "source-branch", code: "GITHUB_HTTP_5XX" };
    expect(outcome).toMatchObject({ kind: "advanced", release: ev.releaseName, notes: [note] });
    expect(branchHead("nixos-unstable")).toBe(ev.revision);
    expect(await apiChannel()).toMatchObject({ state: "advanced", notes: [note] });
    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(page).toContain("not shown up to date: source-branch");
  });

  it("after a manual roll-back of the pointer, says what it does and serves what it says", async () => {
    h.seedBranches();
    const pre3 = await published();
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const pre4 = await published();
    const [old] = await h.deps.db
      .select()
      .from(releases)
      .where(eq(releases.name, pre3.releaseName));
    await h.deps.db
      .update(channels)
      .set({ currentReleaseId: old?.id ?? 0 })
      .where(eq(channels.name, "nixos-unstable"));
    await h.deps.changes.channelChanged("nixos-unstable");
    expect(await served()).toContain(pre3.releaseName);

    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({
      kind: "advanced",
      release: pre4.releaseName,
      run: { kind: "republished", previous: pre3.releaseName },
    });
    expect(outcome.summary).toBe(
      `nixos-unstable serves ${pre4.releaseName} again (published before; the pointer had been moved back to ${pre3.releaseName})`,
    );
    expect(await served()).toContain(pre4.releaseName);
    expect(patches()).toHaveLength(2);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({ kind: "idle" });
  });
});
