import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import type { Simulator } from "../../src/sim/simulator.node.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate, startServe } from "../support/floodgate-process.ts";
import { productsFromHydraOnly } from "../support/hydra-downloads-only.ts";

const nixosUnstable = ChannelSpec.parse(scenarioChannels[0]);
const FAILING = "nixos.tests.firewall.x86_64-linux";
const USER = userInfo().username;

/** `floodgate admin …` as an operator types it: on its own, and beside a running serve. */
describe("floodgate admin", () => {
  let world: CliWorld;
  let sim: Simulator;
  let env: Record<string, string>;
  const floodgate = (...args: string[]) => runFloodgate(args, env);
  const tick = async () => {
    const result = await floodgate("tick", "--channel", "nixos-unstable");
    return result.stdout.trim();
  };
  let changes = 0;
  const newEval = async (failing: Record<string, number> = {}) => {
    sim.github.model.commit("master", `hello: change ${++changes}`);
    const ev = await sim.evaluate(nixosUnstable);
    sim.hydra.model.finishEval(ev.evalId, failing);
    return ev;
  };
  beforeAll(async () => {
    // A failing step stops at once as `failed`, for `retry`.
    world = await startCliWorld("admin", {
      FLOODGATE_SCHEDULER: "off",
      FLOODGATE_STEP_MAX_ATTEMPTS: "1",
    });
    ({ sim, env } = world);
    seedChannelBranches(sim);
  });
  afterAll(() => world.close());

  it("freezes and unfreezes on its own, refusing bad input before opening anything", {
    timeout: 400_000,
  }, async () => {
    const first = await newEval();
    expect(await tick()).toBe(`nixos-unstable advanced to ${first.releaseName}`);

    const usage = await floodgate("admin", "freeze");
    expect(usage.code).toBe(2);
    expect(usage.stdout).toContain("admin ACTION CHANNEL");
    const noReason = await floodgate("admin", "freeze", "nixos-unstable");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("reason");
    const unknown = await floodgate("admin", "freeze", "nixos-nope", "--reason", "x");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown channel "nixos-nope"');

    const frozen = await floodgate("admin", "freeze", "nixos-unstable", "--reason", "release day");
    expect(frozen.code, frozen.stderr).toBe(0);
    expect(frozen.stdout.trim()).toBe(`nixos-unstable frozen by ${USER}: release day`);
    const held = await newEval();
    expect(await tick()).toContain("blocked: frozen: release day");
    expect((await floodgate("admin", "unfreeze", "nixos-unstable")).code).toBe(0);
    expect(await tick()).toBe(`nixos-unstable advanced to ${held.releaseName}`);
  });

  it("accepts, pins and unpins through a running serve; every action is in the audit log", {
    timeout: 400_000,
  }, async () => {
    const serve = await startServe(env);
    try {
      const base = `http://127.0.0.1:${serve.port}`;
      const served = async () =>
        (await fetch(`${base}/nixos-unstable`, { redirect: "manual" })).headers.get("location");

      const failed = await newEval({ [FAILING]: 1 });
      expect(await tick()).toContain(`${FAILING} failed`);
      const accept = (...more: string[]) =>
        floodgate("admin", "accept", "nixos-unstable", "--eval", String(failed.evalId), ...more);
      expect((await accept("--constituent", FAILING)).code).toBe(2);
      const wrongJob = await accept("--constituent", "nixos.tests.nope", "--reason", "flaky");
      expect(wrongJob.code).toBe(2);
      expect(wrongJob.stderr).toContain("not constituents of tested");
      const accepted = await accept("--constituent", FAILING, "--reason", "flaky test");
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout).toContain(`eval ${failed.evalId} accepted with ${FAILING} failed`);
      expect(await tick()).toBe(`nixos-unstable advanced to ${failed.releaseName}`);

      const before = (await served()) ?? "";
      const detail = await (await fetch(`${base}/api/v1/channels/nixos-unstable`)).json();
      const oldest = detail.releases.at(-1).name as string;
      expect(before).not.toContain(oldest);
      const pin = ["admin", "pin", "nixos-unstable", "--release", oldest];
      const pinned = await floodgate(...pin, "--reason", "regression");
      expect(pinned.code, pinned.stderr).toBe(0);
      expect(pinned.stdout.trim()).toBe(
        `nixos-unstable pinned to ${oldest} by ${USER}: regression`,
      );
      expect(await served()).toContain(oldest);
      const next = await newEval();
      expect(await tick()).toContain(`pinned to ${oldest}`);
      expect(await served()).toContain(oldest);

      expect((await floodgate("admin", "unpin", "nixos-unstable")).code).toBe(0);
      expect(await tick()).toBe(`nixos-unstable advanced to ${next.releaseName}`);
      expect(await served()).toContain(next.releaseName);

      const nothing = await floodgate("admin", "retry", "nixos-unstable");
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toContain("no failed release step to retry");
      const broken = await newEval();
      productsFromHydraOnly(sim, broken);
      const fault = sim.hydra.faults.add({
        path: /\/download\//,
        status: 200,
        body: "x",
        times: 99,
      });
      expect(await tick()).toMatch(/blocked: .*sha256/i);
      sim.hydra.faults.clear();
      expect(fault.hits).toBeGreaterThan(0);
      const retried = await floodgate(
        "admin",
        "retry",
        "nixos-unstable",
        "--reason",
        "mirror fixed",
      );
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout.trim()).toBe(
        `nixos-unstable: release ${broken.releaseName} retried by ${USER}: mirror fixed`,
      );
      expect(await tick()).toBe(`nixos-unstable advanced to ${broken.releaseName}`);

      const audit = await (await fetch(`${base}/api/v1/channels/nixos-unstable/audit`)).json();
      expect(
        audit.entries.map((e: { action: string; actor: string; via: string }) => [
          e.action,
          e.actor,
          e.via,
        ]),
      ).toEqual(
        ["retry", "unpin", "pin", "accept", "unfreeze", "freeze"].map((action) => [
          action,
          USER,
          "cli",
        ]),
      );
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
