import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import type { DataDirOwner } from "../../src/errors.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import type { Simulator } from "../../src/sim/simulator.node.ts";
import { MAX_ADMIN_BODY_BYTES } from "../../src/status/routes/admin/read-body.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "../support/cli-world.ts";
import { runFloodgate, startServe } from "../support/floodgate-process.ts";

const onPostgres = Boolean(process.env.FLOODGATE_TEST_DATABASE_URL);
// More rounds for measuring (FLOODGATE_RACE_ROUNDS=20); 3 keep the suite quick.
const ROUNDS = Number(process.env.FLOODGATE_RACE_ROUNDS ?? 3);
const BUSY = 75;
const nixosUnstable = ChannelSpec.parse(scenarioChannels[0]);

/** Two processes on one FLOODGATE_DATA_DIR: cron ticks, `status` beside `serve`, a SIGKILLed owner. */
describe("one process owns the data dir", () => {
  let world: CliWorld;
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;
  const lockFile = () => join(dir, "data", "db.lock");
  const patches = () =>
    sim.github.requests.filter(
      (r) => r.method === "PATCH" && decodeURIComponent(r.path).endsWith("/heads/nixos-unstable"),
    ).length;
  let changes = 0;
  const newPassingEval = async () => {
    sim.github.model.commit("master", `hello: change ${++changes}`);
    const ev = await sim.evaluate(nixosUnstable);
    sim.hydra.model.finishEval(ev.evalId);
    return ev;
  };
  beforeAll(async () => {
    world = await startCliWorld("owner", { FLOODGATE_SCHEDULER: "off" });
    ({ sim, dir, env } = world);
    seedChannelBranches(sim);
  });
  afterAll(() => world.close());

  it("two ticks at once advance a channel once, and the database opens afterwards", {
    timeout: 120_000 + ROUNDS * 120_000,
  }, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const ev = await newPassingEval();
      const before = patches();
      const tick = () => runFloodgate(["tick", "--channel", "nixos-unstable"], env);
      const results = await Promise.all([tick(), tick()]);
      const context = `round ${round}: ${JSON.stringify(results)}`;
      expect(patches() - before, context).toBe(1);
      for (const r of results) expect([0, BUSY], context).toContain(r.code);
      const advanced = results.filter((r) => r.stdout.includes(`advanced to ${ev.releaseName}`));
      expect(advanced, context).toHaveLength(1);
      for (const r of results.filter((x) => x.code === BUSY)) {
        // PGlite: the data dir's lock; PostgreSQL: the channel's lease, its holder logged.
        expect(r.stderr, context).toMatch(
          /in use by "floodgate tick" \(pid \d+|"msg":"channel busy".*"owner":"node-/,
        );
      }
      const status = await runFloodgate(["status", "--json"], env);
      expect(status.code, JSON.stringify(status)).toBe(0);
      expect(status.stdout).toContain(ev.releaseName);
    }
  });

  it("status and tick go through a running serve; other commands name it", {
    timeout: 240_000,
  }, async () => {
    const serve = await startServe(env);
    try {
      const ev = await newPassingEval();
      const before = patches();
      const tick = await runFloodgate(["tick", "--channel", "nixos-unstable"], env);
      expect(tick.code, JSON.stringify(tick)).toBe(0);
      expect(tick.stdout.trim()).toBe(`nixos-unstable advanced to ${ev.releaseName}`);
      expect(patches() - before).toBe(1);

      const status = await runFloodgate(["status", "--json"], env);
      expect(status.code, JSON.stringify(status)).toBe(0);
      const parsed = JSON.parse(status.stdout) as {
        channels: { name: string; release: { name: string } | null }[];
      };
      expect(parsed.channels.find((c) => c.name === "nixos-unstable")?.release?.name).toBe(
        ev.releaseName,
      );
      const text = await runFloodgate(["status"], env);
      expect(text.stdout).toContain(ev.releaseName);

      if (!onPostgres) {
        const migrate = await runFloodgate(["migrate"], env);
        expect(migrate.code).toBe(BUSY);
        expect(migrate.stderr).toContain(`in use by "floodgate serve" (pid ${serve.child.pid}`);
      }
      const page = await fetch(`http://127.0.0.1:${serve.port}/api/v1/channels`);
      expect(page.status).toBe(200);

      // The control endpoint (embedded database only) refuses what no CLI sends: an oversized body,
      // a body that is not JSON.
      if (!onPostgres) {
        const { control } = JSON.parse(readFileSync(lockFile(), "utf8")) as DataDirOwner;
        const post = (body: string) =>
          fetch(`${control?.url}/admin/freeze/nixos-unstable`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${control?.token}`,
              "content-type": "application/json",
            },
            body,
          });
        expect((await post("x".repeat(MAX_ADMIN_BODY_BYTES + 1))).status).toBe(413);
        const notJson = await post("{not json");
        expect(notJson.status).toBe(400);
        expect(await notJson.json()).toMatchObject({ error: { code: "BAD_REQUEST" } });
      }
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(existsSync(lockFile())).toBe(false);
    const after = await runFloodgate(["status", "--json"], env);
    expect(after.code, JSON.stringify(after)).toBe(0);
  });

  it.skipIf(onPostgres)(
    "takes over the lock a SIGKILLed owner left behind",
    {
      timeout: 240_000,
    },
    async () => {
      const serve = await startServe(env);
      expect(existsSync(lockFile())).toBe(true);
      await serve.stop("SIGKILL");
      expect(existsSync(lockFile())).toBe(true);

      const ev = await newPassingEval();
      const tick = await runFloodgate(["tick", "--channel", "nixos-unstable"], env);
      expect(tick.code, JSON.stringify(tick)).toBe(0);
      expect(tick.stdout.trim()).toBe(`nixos-unstable advanced to ${ev.releaseName}`);
      expect(existsSync(lockFile())).toBe(false);
    },
  );
});
