import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate } from "../support/floodgate-process.ts";
import {
  type PrivatePostgres,
  postgresBinDir,
  startPrivatePostgres,
} from "../support/private-postgres.ts";

const BIN = new URL("../../bin/floodgate.js", import.meta.url).pathname;
const nixos = ChannelSpec.parse(scenarioChannels[0]);
const binDir = postgresBinDir();
const STACK_LINE = /^\s+at /m;

/** The database server goes away in the middle of a tick's publish and comes back. */
describe.skipIf(!binDir)("PostgreSQL restarted in the middle of a tick", () => {
  let world: CliWorld;
  let pg: PrivatePostgres;
  let env: Record<string, string>;
  beforeAll(async () => {
    pg = await startPrivatePostgres(binDir ?? "");
    world = await startCliWorld("pg-restart", { FLOODGATE_LEASE_SECONDS: "3" });
    env = { ...world.env, DATABASE_URL: pg.url };
    seedChannelBranches(world.sim);
  }, 180_000);
  afterAll(async () => {
    pg?.destroy();
    await world?.close();
  });

  it("fails the tick with a clear error and exit code; the next tick completes the release", {
    timeout: 300_000,
  }, async () => {
    world.sim.github.model.commit("master", "hello: 2.12 -> 2.13");
    const ev = await world.sim.evaluate(nixos);
    world.sim.hydra.model.finishEval(ev.evalId);
    // The branch update is held until the server is down, so the tick's next write finds it gone.
    let serverDown = () => {};
    world.sim.github.faults.add({
      method: "PATCH",
      path: /\/heads\/nixos-unstable$/,
      holdUntil: new Promise<void>((resolve) => (serverDown = resolve)),
    });
    const patches = () => world.sim.github.requests.filter((r) => r.method === "PATCH").length;
    const child = spawn(process.execPath, [BIN, "tick", "--channel", nixos.name], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b));
    child.stderr.on("data", (b: Buffer) => (stderr += b));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    while (patches() === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    pg.stop();
    serverDown();
    const code = await exited;
    pg.start();

    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(
      new RegExp(
        `^${nixos.name}: .*database query failed: .*(ECONNREFUSED|terminat|connect)`,
        "im",
      ),
    );
    expect(stderr).not.toMatch(STACK_LINE);

    let next = await runFloodgate(["tick", "--channel", nixos.name], env);
    // The failed tick could not let its lease go (the server was down): it runs out in 3 s.
    for (let i = 0; i < 5 && next.code === 75; i++) {
      await new Promise((r) => setTimeout(r, 2_000));
      next = await runFloodgate(["tick", "--channel", nixos.name], env);
    }
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.trim()).toMatch(
      new RegExp(
        `^${nixos.name} advanced to ${ev.releaseName.replaceAll(".", "\\.")}( \\(resumed\\))?$`,
      ),
    );
    expect(world.sim.github.model.branchHead(nixos.branch)).toBe(ev.revision);
  });
});
