import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALL_CONSTITUENTS_POLICY } from "../../src/channels/describe-decision.ts";
import { tickAll } from "../../src/channels/tick-all.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FAILING = "nixos.tests.firewall.x86_64-linux";

describe("the channel tick against the simulator", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const patches = () => h.sim.github.requests.filter((r) => r.method === "PATCH");
  const branchHead = (name: string) => h.sim.github.model.branchHead(name);

  it("advances, publishes what nix-channel fetches, and a second tick changes nothing", async () => {
    h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);

    const first = await tickChannel(h.deps, nixos());
    expect(first).toMatchObject({ kind: "advanced", release: ev.releaseName });
    expect(branchHead("nixos-unstable")).toBe(ev.revision);
    expect(patches().map((p) => (p.body as { force?: unknown }).force)).toEqual([false]);

    const redirect = await h.app.request("/nixos-unstable");
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") ?? "";
    expect(location).toBe(`http://floodgate.test/releases/nixos/unstable/${ev.releaseName}`);
    const page = await h.app.request(new URL(location).pathname);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(ev.revision);
    const tarball = await h.app.request(`${new URL(location).pathname}/nixexprs.tar.xz`);
    const bytes = new Uint8Array(await tarball.arrayBuffer());
    // A NixOS tarball is Hydra's, repacked with programs.sqlite (command-not-found) inside.
    const product = h.sim.hydra.model.product(ev.buildIds["nixos.channel"] ?? 0, "1");
    const listing = (xz: Uint8Array | undefined) =>
      execFileSync("tar", ["-tJf", "-"], { input: xz }).toString().trim().split("\n").sort();
    const hydraEntries = listing(product?.bytes);
    expect(hydraEntries.length).toBeGreaterThan(0);
    const servedEntries = listing(bytes);
    expect(servedEntries).toEqual(expect.arrayContaining(hydraEntries));
    expect(servedEntries.filter((e) => !hydraEntries.includes(e))).toEqual([
      expect.stringMatching(/^[^/]+\/programs\.sqlite$/),
    ]);
    const revisionFile = await h.app.request(`${new URL(location).pathname}/git-revision`);
    expect(await revisionFile.text()).toBe(ev.revision);

    const hydraBefore = h.sim.hydra.requests.length;
    const releasesBefore = await h.releaseCount();
    const second = await tickChannel(h.deps, nixos());
    expect(second).toMatchObject({
      kind: "idle",
      summary: `nixos-unstable is up to date at ${ev.releaseName}`,
    });
    expect(await h.releaseCount()).toBe(releasesBefore);
    expect(h.sim.hydra.requests.slice(hydraBefore).map((r) => r.path)).toEqual([
      "/job/nixos/unstable/tested/latest-finished",
      "/api/latestbuilds?nr=1&project=nixos&jobset=unstable&job=tested",
    ]);
    expect(patches()).toHaveLength(1);
  });

  it("never advances with a failed constituent, even when the aggregate itself passed", async () => {
    const start = h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    // nixpkgs#47419: a constituent's record can show a failure while the aggregate succeeds.
    h.sim.hydra.model.finishEval(ev.evalId, { [FAILING]: 1, tested: 0 });

    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome.kind).toBe("blocked");
    expect(outcome.summary).toBe(
      `nixos-unstable blocked: ${FAILING} failed (${ALL_CONSTITUENTS_POLICY})`,
    );
    expect(branchHead("nixos-unstable")).toBe(start);
    expect(patches()).toHaveLength(0);
    expect(await h.releaseCount()).toBe(0);

    const api = await (await h.app.request("/api/v1/channels")).json();
    const channel = api.channels.find((c: { name: string }) => c.name === "nixos-unstable");
    expect(channel.state).toBe("blocked");
    expect(channel.reasons[0].failed[0]).toMatchObject({ job: FAILING, buildstatus: 1 });
    expect(channel.reasons[0].policy).toBe("all-constituents");
    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(page).toContain(ALL_CONSTITUENTS_POLICY.replaceAll("'", "&#39;"));
  });

  it("blocks on a failed gate, then advances once the restarted constituent passes", async () => {
    h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId, { [FAILING]: 1 });
    expect((await tickChannel(h.deps, nixos())).summary).toBe(
      `nixos-unstable blocked: ${FAILING} failed`,
    );

    const failed = ev.buildIds[FAILING] ?? 0;
    h.sim.hydra.model.restartBuild(failed);
    h.sim.hydra.model.finishBuild(failed, 0);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({
      kind: "advanced",
      release: ev.releaseName,
    });
  });

  it("never goes backwards when an older eval becomes Hydra's latest-finished", async () => {
    h.seedBranches();
    const older = await h.sim.evaluate(nixos());
    h.sim.github.model.commit("master", "python3: 3.13.9 -> 3.13.10");
    const newer = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(newer.evalId);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({
      kind: "advanced",
      release: newer.releaseName,
    });

    h.sim.hydra.model.finishEval(older.evalId);
    // A restart leaves the newer eval unfinished, so latest-finished falls back to the older build.
    h.sim.hydra.model.restartBuild(newer.buildIds[FAILING] ?? 0);
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome.kind).toBe("idle");
    expect(outcome.summary).toContain(`stays at ${newer.releaseName}`);
    expect(branchHead("nixos-unstable")).toBe(newer.revision);
    expect(patches()).toHaveLength(1);
  });

  it("never advances past a pending constituent", async () => {
    h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    h.sim.hydra.model.restartBuild(ev.buildIds[FAILING] ?? 0);
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({
      kind: "idle",
      summary: "nixos-unstable has no finished Hydra build yet",
    });
    expect(await h.releaseCount()).toBe(0);
  });

  it("refuses a non-fast-forward and says so, without ever forcing", async () => {
    h.seedBranches();
    h.sim.github.model.commit("nixos-unstable", "pushed to the channel branch by hand");
    const moved = branchHead("nixos-unstable");
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);

    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome.kind).toBe("blocked");
    expect(outcome.summary).toMatch(
      /branch nixos-unstable is at .* not a fast-forward of it \(diverged\)/,
    );
    expect(branchHead("nixos-unstable")).toBe(moved);
    expect(patches()).toHaveLength(0);
  });

  async function advanceBoth() {
    const nixosEval = await h.sim.evaluate(nixos());
    const pkgsEval = await h.sim.evaluate(h.channel("nixpkgs-unstable"));
    h.sim.hydra.model.finishEval(nixosEval.evalId);
    h.sim.hydra.model.finishEval(pkgsEval.evalId);
    return nixosEval;
  }

  async function expectStillServing(releaseName: string) {
    const redirect = await h.app.request("/nixos-unstable");
    expect(redirect.headers.get("location")).toContain(releaseName);
    const path = new URL(redirect.headers.get("location") ?? "").pathname;
    const tarball = await h.app.request(`${path}/nixexprs.tar.xz`);
    expect(tarball.status).toBe(200);
    // Read whole: the file is closed at the end of its stream, not by the collector.
    expect((await tarball.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const api = await (await h.app.request("/api/v1/channels/nixos-unstable")).json();
    expect(api.channel.state).toBe("error");
    expect(api.channel.release.name).toBe(releaseName);
    return api.channel.summary as string;
  }

  it("records a readable error for malformed Hydra JSON; the other channel still advances", async () => {
    h.seedBranches();
    const first = await advanceBoth();
    await tickAll(h.deps);
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const second = await advanceBoth();
    // The new candidate's gate build is what the decision needs (the newest-builds list only
    // feeds the page, so its errors are notes, see page-only-work.test.ts).
    const fault = h.sim.hydra.faults.add({
      path: new RegExp(`^/build/${second.aggregateId}$`),
      status: 200,
      body: '{"id": 3',
      times: 10,
    });

    const outcomes = await tickAll(h.deps);
    expect(fault.hits).toBeGreaterThan(0);
    expect(outcomes.map((o) => [o.channel, o.kind])).toEqual([
      ["nixos-unstable", "error"],
      ["nixpkgs-unstable", "advanced"],
    ]);
    expect(await expectStillServing(first.releaseName)).toMatch(/not JSON|invalid JSON|truncated/i);
  });

  it("records an upstream 500 after bounded retries and keeps serving the last release", async () => {
    h.seedBranches();
    const first = await advanceBoth();
    await tickAll(h.deps);
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    await advanceBoth();
    h.sim.hydra.faults.add({
      path: /^\/job\/nixos\/unstable\/tested\/latest-finished/,
      status: 500,
      body: "<html><body>Internal Server Error</body></html>",
      times: 100,
    });

    const outcomes = await tickAll(h.deps);
    expect(outcomes.map((o) => o.kind)).toEqual(["error", "advanced"]);
    expect(outcomes[0]).toMatchObject({ code: "HYDRA_HTTP_5XX" });
    const attempts = h.sim.hydra.requests.filter((r) =>
      r.path.includes("/unstable/tested/latest-finished"),
    );
    expect(attempts.length).toBeLessThanOrEqual(2 + 4);
    expect(await expectStillServing(first.releaseName)).toMatch(/HTTP 500/);
  });
});
