import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hydraCommand } from "../../src/entry/hydra-command.node.ts";
import { formatHydraReport } from "../../src/hydra/format-hydra-report.ts";
import { hydraReport } from "../../src/hydra/hydra-report.ts";
import { silentLogger } from "../../src/log.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FAILING = "nixos.tests.firewall.x86_64-linux";
const BOOT = "nixos.tests.boot.uefiCdrom.x86_64-linux";
const INSTALLER = "nixos.tests.installer.simple.x86_64-linux";
const NETWORKING = "nixos.tests.networking.scripted.static.aarch64-linux";
const ISO = "nixos.iso_minimal.x86_64-linux";
const T0 = new Date("2026-09-01T06:00:00Z");

describe("floodgate hydra <channel>", () => {
  let h: Harness;
  let ev: SimEval;
  beforeEach(async () => {
    h = await startHarness();
    h.seedBranches();
  });
  afterEach(() => h.close());

  /** Like Hydra: the first failure fails the gate at once; one constituent is still queued. */
  async function failingEval() {
    ev = await h.sim.evaluate(h.channel("nixos-unstable"));
    h.sim.hydra.model.advance(3 * 3600);
    const finish = (job: string, status: number) =>
      h.sim.hydra.model.finishBuild(ev.buildIds[job] ?? 0, status, { failAggregates: true });
    finish(FAILING, 1);
    for (const job of ["nixos.channel", BOOT, INSTALLER]) finish(job, 0);
    finish(NETWORKING, 7);
    // The eval's other jobs (the options, the other ISOs) built fine: only ISO is still queued.
    const gate = [h.channel("nixos-unstable").job.job, FAILING, NETWORKING, ISO, BOOT, INSTALLER];
    for (const job of Object.keys(ev.buildIds)) {
      if (!gate.includes(job) && job !== "nixos.channel") finish(job, 0);
    }
  }
  const link = (job: string) => `${h.config.hydraUrl}/build/${ev.buildIds[job]}`;

  it("counts passed, failed and pending constituents, names the failures and the queue time", async () => {
    h.sim.hydra.model.setNow(T0);
    await failingEval();
    const now = new Date(T0.getTime() + 5 * 3600_000 + 7 * 60_000);
    const deps = { ...h.deps, clock: { now: () => now } };

    const report = await hydraReport(deps, h.channel("nixos-unstable"));
    expect(report.counts).toEqual({ passed: 3, failed: 2, pending: 1, total: 6 });
    expect(report.gate).toMatchObject({ state: "failed", releasable: false });
    expect(report.pending).toMatchObject([
      { job: ISO, restarted: false, waitingSince: T0.toISOString() },
    ]);

    expect(formatHydraReport(report, now)).toEqual([
      "nixos-unstable: Hydra job nixos/unstable/tested",
      `  eval ${ev.evalId}  ${h.config.hydraUrl}/eval/${ev.evalId}`,
      `    ${ev.releaseName}, revision ${ev.revision}`,
      "    evaluated 2026-09-01 06:00 UTC (5h 7m ago)",
      `  gate build ${ev.aggregateId}: ✖ dependency failed  ${h.config.hydraUrl}/build/${ev.aggregateId}`,
      "  constituents: ✔ 3  ✖ 2  ⧖ 1  (of 6)",
      "  failing:",
      `    ✖ ${FAILING}: failed  ${link(FAILING)}`,
      `    ✖ ${NETWORKING}: timed out  ${link(NETWORKING)}`,
      "  pending:",
      `    ⧖ ${ISO}: queued 5h 7m  ${link(ISO)}`,
      "  the newest eval of nixos/unstable is still building: 1 of 12 builds scheduled",
    ]);
  });

  it("prints the report and the 30-day strip from the command line", async () => {
    const lines: string[] = [];
    const run = (channel: string | undefined, history = false) =>
      hydraCommand(h.config, silentLogger, (line) => lines.push(line), channel, {
        json: false,
        history,
      });
    expect(await run("nixos-unstable")).toBe(0);
    expect(lines.join("\n")).toContain("no finished build of this job yet");

    await failingEval();
    lines.length = 0;
    expect(await run("nixos-unstable", true)).toBe(0);
    const out = lines.join("\n");
    expect(out).toContain("constituents: ✔ 3  ✖ 2  ⧖ 1  (of 6)");
    expect(out).toContain(`✖ ${FAILING}: failed  ${link(FAILING)}`);
    expect(out).toContain("last 30 days, oldest first: ✖");
    expect(out).toContain(`✖ eval ${ev.evalId} ${ev.revision.slice(0, 12)}`);

    lines.length = 0;
    expect(await run("nixos-nope")).toBe(2);
    expect(lines.join("\n")).toContain("configured: nixos-unstable, nixpkgs-unstable");
  });
});
