import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { retryRelease } from "../../src/channels/retry-release.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { productsFromHydraOnly } from "../support/hydra-downloads-only.ts";

describe("a release step that keeps failing", () => {
  let h: Harness;
  let now = new Date("2026-11-28T12:00:00Z");
  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  beforeEach(async () => {
    now = new Date("2026-11-28T12:00:00Z");
    h = await startHarness(
      { FLOODGATE_STEP_MAX_ATTEMPTS: "3", FLOODGATE_STEP_BACKOFF_SECONDS: "300" },
      { clock: { now: () => new Date(now) } },
    );
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const downloads = () => h.sim.hydra.requests.filter((r) => r.path.includes("/download/")).length;
  const tick = () => tickChannel(h.deps, nixos());
  const api = async () => (await h.app.request("/api/v1/channels/nixos-unstable")).json();

  it("backs off between ticks, stops as failed after N attempts, and only retry restarts it", async () => {
    h.seedBranches();
    const first = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(first.evalId);
    expect(await tick()).toMatchObject({ kind: "advanced" });
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const next = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(next.evalId);
    productsFromHydraOnly(h.sim, next);
    h.sim.hydra.faults.add({ path: /\/download\//, status: 200, body: "not it", times: 1000 });

    let before = downloads();
    expect(await tick()).toMatchObject({
      kind: "blocked",
      decision: { reasons: [{ kind: "step-failed", attempts: 1, nextAttemptAt: null }] },
    });
    expect(downloads()).toBeGreaterThan(before);

    // One transient failure costs one tick; the second failure starts the backoff.
    before = downloads();
    const second = await tick();
    const retryAt = new Date(now.getTime() + 300_000).toISOString();
    expect(second).toMatchObject({
      kind: "blocked",
      decision: { reasons: [{ kind: "step-failed", attempts: 2, nextAttemptAt: retryAt }] },
    });
    expect(second.summary).toMatch(/sha256.*\(attempt 2 of 3, next after /i);
    expect(downloads()).toBeGreaterThan(before);

    before = downloads();
    later(299);
    expect(await tick()).toMatchObject({
      kind: "blocked",
      decision: { reasons: [{ kind: "step-failed", attempts: 2, nextAttemptAt: retryAt }] },
    });
    expect(downloads()).toBe(before);

    later(2);
    const stopped = await tick();
    expect(stopped).toMatchObject({
      kind: "blocked",
      decision: {
        reasons: [{ kind: "release-failed", release: next.releaseName, attempts: 3 }],
      },
    });
    expect(stopped.summary).toMatch(/failed 3 times, stopped: .*sha256/i);
    expect(downloads()).toBeGreaterThan(before);

    before = downloads();
    later(86_400 * 7);
    expect(await tick()).toMatchObject({ decision: { reasons: [{ kind: "release-failed" }] } });
    expect(downloads()).toBe(before);
    const shown = await api();
    expect(shown.channel.reasons[0]).toMatchObject({ kind: "release-failed", code: "INTEGRITY" });
    expect(shown.releases[0]).toMatchObject({ name: next.releaseName, state: "failed" });
    expect(shown.releases[0].lastError.message).toMatch(/sha256/i);
    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(page).toContain("an admin retry starts it again");
    expect((await h.app.request("/nixos-unstable")).headers.get("location")).toContain(
      first.releaseName,
    );

    h.sim.hydra.faults.clear();
    expect(await retryRelease(h.deps, "nixos-unstable")).toEqual({
      kind: "retried",
      release: next.releaseName,
      resumesAt: "pending",
      attempts: 3,
    });
    expect(await tick()).toMatchObject({ kind: "advanced", release: next.releaseName });
    expect(await retryRelease(h.deps, "nixos-unstable")).toEqual({
      kind: "nothing-to-retry",
      channel: "nixos-unstable",
    });
  });
});
