import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type Simulator, startSimulator } from "../../src/sim/simulator.node.ts";
import { createTestDb } from "../support/test-db.ts";

const BIN = new URL("../../bin/floodgate.js", import.meta.url).pathname;

function floodgate(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("floodgate prune", () => {
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;
  let ownDb: Awaited<ReturnType<typeof createTestDb>> | undefined;
  beforeAll(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), "floodgate-prune-"));
    const channelsFile = join(dir, "channels.json");
    writeFileSync(channelsFile, JSON.stringify({ channels: scenarioChannels }));
    env = {
      ...sim.env,
      FLOODGATE_DATA_DIR: join(dir, "data"),
      FLOODGATE_CHANNELS: channelsFile,
      FLOODGATE_KEEP_RELEASES: "all",
    };
    if (process.env.FLOODGATE_TEST_DATABASE_URL) {
      ownDb = await createTestDb();
      env.DATABASE_URL = ownDb.url ?? "";
    }
  });
  afterAll(async () => {
    await ownDb?.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists, then deletes, the releases beyond FLOODGATE_KEEP_RELEASES", {
    timeout: 240_000,
  }, async () => {
    const nixos = ChannelSpec.parse(scenarioChannels[0]);
    sim.github.model.commit("master", "initial");
    const head = sim.github.model.branchHead("master") ?? "";
    for (const c of scenarioChannels)
      sim.github.model.createBranch(ChannelSpec.parse(c).branch, head);
    const names: string[] = [];
    for (const message of ["a: 1 -> 2", "b: 1 -> 2"]) {
      sim.github.model.commit("master", message);
      const ev = await sim.evaluate(nixos);
      sim.hydra.model.finishEval(ev.evalId);
      const tick = await floodgate(["tick", "--channel", nixos.name], env);
      expect(tick.stdout.trim()).toBe(`nixos-unstable advanced to ${ev.releaseName}`);
      names.push(ev.releaseName);
    }
    const dirOf = (name: string) => join(dir, "data", "releases", "nixos", "unstable", name);
    const keepOne = { ...env, FLOODGATE_KEEP_RELEASES: "1" };

    const dry = await floodgate(["prune", "--channel", nixos.name, "--dry-run"], keepOne);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        "nixos-unstable: 1 release(s), keeping 1",
        `  would delete ${names[0]}: older than the newest 1 published releases`,
        "",
      ].join("\n"),
    );
    expect(names.every((n) => existsSync(dirOf(n)))).toBe(true);

    const pruned = await floodgate(["prune"], keepOne);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(
      new RegExp(
        `nixos-unstable: 1 release\\(s\\), keeping 1\\n  deleted ${names[0]} \\(\\d+ files\\)`,
      ),
    );
    expect(pruned.stdout).toContain("nixpkgs-unstable: nothing to delete, keeping 1");
    expect(pruned.stderr).toContain('"msg":"release pruned"');
    expect(names.map((n) => existsSync(dirOf(n)))).toEqual([false, true]);

    const unknown = await floodgate(["prune", "--channel", "nixos-nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('unknown channel "nixos-nope"');
  });
});
