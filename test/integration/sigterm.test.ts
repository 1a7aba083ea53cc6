import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

const BIN = new URL("../../bin/floodgate.js", import.meta.url).pathname;
const nixos = ChannelSpec.parse(scenarioChannels[0]);
// The promise: a process told to stop mid-publish is gone within this, and lets its lease go.
const EXIT_BOUND_MS = 10_000;

/** SIGTERM while a publish waits on GitHub's branch update (files written, pointer not flipped). */
describe("SIGTERM in the middle of a publish", () => {
  let world: CliWorld;
  let changes = 0;
  const patches = () =>
    world.sim.github.requests.filter((r) => r.method === "PATCH" && r.path.includes(nixos.branch))
      .length;
  const newPassingEval = async () => {
    world.sim.github.model.commit("master", `sigterm change ${++changes}`);
    const ev = await world.sim.evaluate(nixos);
    world.sim.hydra.model.finishEval(ev.evalId);
    return ev;
  };
  /** Starts `args`, SIGTERMs it once its branch update is in flight; the ms it took to exit. */
  const stopMidPublish = async (args: string[], env: Record<string, string>) => {
    const before = patches();
    world.sim.github.faults.add({
      method: "PATCH",
      path: /\/heads\/nixos-unstable$/,
      delayMs: 60_000,
    });
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let output = "";
    for (const s of [child.stdout, child.stderr]) s.on("data", (b: Buffer) => (output += b));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    while (patches() === before && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    const sent = Date.now();
    child.kill("SIGTERM");
    const code = await exited;
    world.sim.github.faults.clear();
    return { code, exitMs: Date.now() - sent, output };
  };

  beforeAll(async () => {
    world = await startCliWorld("sigterm", { FLOODGATE_SCHEDULER: "off" });
    seedChannelBranches(world.sim);
  }, 120_000);
  afterAll(() => world?.close());

  it("`floodgate tick` exits at once and the next tick resumes the release", {
    timeout: 300_000,
  }, async () => {
    const ev = await newPassingEval();
    const stopped = await stopMidPublish(["tick", "--channel", nixos.name], world.env);
    console.info(`floodgate tick exited ${stopped.exitMs} ms after SIGTERM`);
    expect(stopped.exitMs, stopped.output).toBeLessThan(EXIT_BOUND_MS);
    expect(stopped.code, stopped.output).toBe(75);
    expect(stopped.output).toContain(
      `${nixos.name}: stopped (shutting down); the next tick resumes`,
    );

    const next = await runFloodgate(["tick", "--channel", nixos.name], world.env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.trim()).toBe(`${nixos.name} advanced to ${ev.releaseName} (resumed)`);
  });

  it("`floodgate serve` with its scheduler exits at once and the next start resumes", {
    timeout: 300_000,
  }, async () => {
    const channelsFile = join(world.dir, "every-second.json");
    const everySecond = scenarioChannels.map((c) => ({ ...c, schedule: "* * * * * *" }));
    writeFileSync(channelsFile, JSON.stringify({ channels: everySecond }));
    const env = {
      ...world.env,
      FLOODGATE_SCHEDULER: "on",
      FLOODGATE_CHANNELS: channelsFile,
      PORT: "0",
      HOST: "127.0.0.1",
    };
    const ev = await newPassingEval();
    const stopped = await stopMidPublish(["serve"], env);
    console.info(`floodgate serve exited ${stopped.exitMs} ms after SIGTERM`);
    expect(stopped.exitMs, stopped.output).toBeLessThan(EXIT_BOUND_MS);
    expect(stopped.code, stopped.output).toBe(0);

    const next = await runFloodgate(["tick", "--channel", nixos.name], world.env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.trim()).toBe(`${nixos.name} advanced to ${ev.releaseName} (resumed)`);
  });
});
