import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import type { Simulator } from "../../src/sim/simulator.node.ts";
import { type CliWorld, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

const BIN = new URL("../../bin/floodgate.js", import.meta.url).pathname;

describe("the floodgate CLI", () => {
  let world: CliWorld;
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    world = await startCliWorld("cli");
    ({ sim, dir, env } = world);
  });
  afterAll(() => world.close());

  it("refuses bad configuration, naming the variable and what was expected", {
    timeout: 120_000,
  }, async () => {
    const result = await runFloodgate(["status"], { ...env, FLOODGATE_SCHEDULER: "sometimes" });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('FLOODGATE_SCHEDULER: expected "on" or "off"');
    const badFile = await runFloodgate(["status"], {
      ...env,
      FLOODGATE_CHANNELS: join(dir, "missing.json"),
    });
    expect(badFile.stderr).toMatch(/FLOODGATE_CHANNELS: cannot read .*missing\.json/);
  });

  it("migrates, ticks and reports status", { timeout: 180_000 }, async () => {
    expect((await runFloodgate(["migrate"], env)).code).toBe(0);
    sim.github.model.commit("master", "initial");
    const head = sim.github.model.branchHead("master") ?? "";
    sim.github.model.createBranch("nixos-unstable", head);
    sim.github.model.createBranch("nixpkgs-unstable", head);
    sim.github.model.commit("master", "hello: 2.12 -> 2.13");
    const ev = await sim.evaluate(ChannelSpec.parse(scenarioChannels[0]));
    sim.hydra.model.finishEval(ev.evalId);

    const tick = await runFloodgate(["tick", "--channel", "nixos-unstable"], env);
    expect(tick.code).toBe(0);
    expect(tick.stdout.trim()).toBe(`nixos-unstable advanced to ${ev.releaseName}`);
    expect(tick.stderr).toContain('"msg":"tick"');

    const status = await runFloodgate(["status", "--json"], env);
    const parsed = JSON.parse(status.stdout) as {
      channels: { name: string; state: string; release: { name: string } | null }[];
    };
    expect(parsed.channels.find((c) => c.name === "nixos-unstable")).toMatchObject({
      state: "advanced",
      release: { name: ev.releaseName },
    });
    const unknown = await runFloodgate(["tick", "--channel", "nixos-nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('unknown channel "nixos-nope"');
  });

  it("serves HTTP, ticks on each channel's schedule, and stops on SIGTERM", {
    timeout: 120_000,
  }, async () => {
    const everySecond = scenarioChannels.map((c) => ({ ...c, schedule: "* * * * * *" }));
    const channelsFile = join(dir, "every-second.json");
    writeFileSync(channelsFile, JSON.stringify({ channels: everySecond }));
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        FLOODGATE_CHANNELS: channelsFile,
        PORT: "0",
        HOST: "127.0.0.1",
      },
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once("exit", (code) => reject(new Error(`serve exited early with ${code}`)));
      });
      const ticked = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/channels`);
        const body = (await res.json()) as {
          channels: { name: string; lastTickAt: string | null }[];
        };
        return body.channels.every((c) => c.lastTickAt !== null);
      };
      const deadline = Date.now() + 60_000;
      while (!(await ticked())) {
        if (Date.now() > deadline) throw new Error("the scheduler never ticked");
        await new Promise((r) => setTimeout(r, 250));
      }
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toContain("nixos-unstable");
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  });
});
