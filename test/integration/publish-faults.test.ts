import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { githubFaults } from "../../src/sim/github-faults.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { productsFromHydraOnly } from "../support/hydra-downloads-only.ts";

// Two NixOS releases per test, each evaluated and repacked with programs.sqlite: slow on a loaded CI.
describe("publishing when things break halfway", { timeout: 180_000 }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const downloads = () => h.sim.hydra.requests.filter((r) => r.path.includes("/download/")).length;

  async function firstRelease() {
    h.seedBranches();
    const first = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(first.evalId);
    // Downloads are counted, and broken, at Hydra: the products must come from there.
    productsFromHydraOnly(h.sim, first);
    expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const next = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(next.evalId);
    productsFromHydraOnly(h.sim, next);
    return { first, next };
  }

  it("resumes a release that failed at the branch step, without fetching its files again", async () => {
    const { first, next } = await firstRelease();
    h.sim.github.faults.add({
      path: /\/git\/refs\/heads(\/|%2F)nixos-unstable$/,
      method: "PATCH",
      times: 10,
      ...githubFaults.serverError,
    });
    const downloadsBefore = downloads();
    // Every product of a release is downloaded once; the first release made as many requests.
    const perRelease = downloadsBefore;
    expect(perRelease).toBeGreaterThan(0);

    const failed = await tickChannel(h.deps, nixos());
    expect(failed.kind).toBe("blocked");
    expect(failed.summary).toBe(
      "nixos-unstable blocked: updating the branch failed: update ref: Server Error (attempt 1 of 5)",
    );
    expect(downloads()).toBe(downloadsBefore + perRelease);
    // The previous release is still what users get.
    expect((await h.app.request("/nixos-unstable")).headers.get("location")).toContain(
      first.releaseName,
    );
    expect(h.sim.github.model.branchHead("nixos-unstable")).toBe(first.revision);

    h.sim.github.faults.clear();
    const resumed = await tickChannel(h.deps, nixos());
    expect(resumed).toMatchObject({ kind: "advanced", release: next.releaseName });
    expect(downloads()).toBe(downloadsBefore + perRelease);
    expect(await h.releaseCount()).toBe(2);
    expect((await h.app.request("/nixos-unstable")).headers.get("location")).toContain(
      next.releaseName,
    );
  });

  it("refuses a tarball whose sha256 does not match Hydra's, and publishes nothing", async () => {
    const { first, next } = await firstRelease();
    h.sim.hydra.faults.add({
      path: /\/download\//,
      status: 200,
      body: "not the tarball Hydra hashed",
      times: 10,
    });

    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome.kind).toBe("blocked");
    expect(outcome.summary).toMatch(/sha256/i);
    expect(h.sim.github.requests.filter((r) => r.method === "PATCH")).toHaveLength(1);
    const release = await h.app.request(
      `/releases/nixos/unstable/${next.releaseName}/nixexprs.tar.xz`,
    );
    expect(release.status).toBe(404);
    expect((await h.app.request("/nixos-unstable")).headers.get("location")).toContain(
      first.releaseName,
    );

    h.sim.hydra.faults.clear();
    expect(await tickChannel(h.deps, nixos())).toMatchObject({
      kind: "advanced",
      release: next.releaseName,
    });
  });
});
