import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

const STACK_LINE = /^\s+at /m;

/** Start-up failures a person meets first: each says what is wrong and why, without a stack. */
describe("floodgate start-up failures", () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-startup-"));
    env = { FLOODGATE_DATA_DIR: join(dir, "data"), FLOODGATE_HYDRA_URL: "http://127.0.0.1:9" };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers an unknown option with the usage, not a stack", async () => {
    const result = await runFloodgate(["status", "--bogus"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("floodgate: unknown option '--bogus'");
    expect(result.stderr).toContain("usage: floodgate <command>");
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it("refuses a channel schedule that is not a cron expression, naming the channel", {
    timeout: 120_000,
  }, async () => {
    const channels = scenarioChannels.map((c, i) =>
      i === 1 ? { ...c, schedule: "99 * * * *" } : c,
    );
    const file = join(dir, "bad-cron.json");
    writeFileSync(file, JSON.stringify({ channels }));
    for (const command of ["status", "serve"]) {
      const result = await runFloodgate([command], { ...env, FLOODGATE_CHANNELS: file, PORT: "0" });
      expect(result.code, `${command}: ${result.stderr}`).toBe(78);
      expect(result.stderr).toContain("channels.1.schedule");
      expect(result.stderr).toContain('"99 * * * *"');
      expect(result.stderr).toContain(`channel ${scenarioChannels[1]?.name}`);
    }
  });

  it("refuses a port written as an exponent or in hex", async () => {
    const result = await runFloodgate(["status"], { ...env, PORT: "0x50" });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain("PORT: expected a TCP port");
  });

  it("says which database it cannot reach, and why", { timeout: 60_000 }, async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const url = "postgres://floodgate:s3cret-password@127.0.0.1:9/floodgate";
    const result = await runFloodgate(["status"], { ...env, DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DATABASE_UNREACHABLE");
    expect(result.stderr).toContain("127.0.0.1:9");
    expect(result.stderr).toContain("ECONNREFUSED");
    expect(result.stderr).not.toContain("s3cret-password");
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it("gives up on a database server that accepts but never answers", {
    timeout: 90_000,
  }, async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const url = `postgres://floodgate@127.0.0.1:${port}/floodgate`;
      const result = await runFloodgate(["migrate"], { ...env, DATABASE_URL: url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`DATABASE_UNREACHABLE: DATABASE_URL ${url}`);
      expect(result.stderr).toContain("CONNECT_TIMEOUT");
    } finally {
      silent.close();
    }
  });

  it("says when the data dir cannot be used, instead of failing deep inside or spinning", {
    timeout: 60_000,
  }, async () => {
    const aFile = join(dir, "a-file");
    writeFileSync(aFile, "");
    for (const dataDir of [join(aFile, "data"), "/proc/floodgate-test"]) {
      const result = await runFloodgate(["status"], { ...env, FLOODGATE_DATA_DIR: dataDir });
      expect(result.code, result.stderr).toBe(78);
      expect(result.stderr).toContain(
        `floodgate: DATA_DIR_UNUSABLE: FLOODGATE_DATA_DIR ${dataDir}`,
      );
      expect(result.stderr).not.toMatch(STACK_LINE);
    }
  });

  // Tests run as root, whom chmod does not stop: a read-only filesystem does.
  it("stops serve and tick on a data dir on a read-only filesystem, saying so (exit 78)", {
    timeout: 60_000,
  }, async (ctx) => {
    const mountPoint = join(dir, "read-only");
    mkdirSync(mountPoint);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", mountPoint], {
        stdio: "pipe",
      });
    } catch (err) {
      ctx.skip(`cannot mount a read-only tmpfs here (${String(err).split("\n")[0]})`);
    }
    try {
      for (const [command, dataDir] of [
        ["serve", mountPoint],
        ["tick", join(mountPoint, "data")],
      ] as const) {
        const result = await runFloodgate([command], {
          ...env,
          PORT: "0",
          FLOODGATE_DATA_DIR: dataDir,
        });
        expect(result.code, `${command}: ${result.stderr}`).toBe(78);
        expect(result.stderr).toContain(`DATA_DIR_UNUSABLE: FLOODGATE_DATA_DIR ${dataDir}`);
        expect(result.stderr).toContain("read-only file system");
        expect(result.stderr).not.toMatch(STACK_LINE);
      }
    } finally {
      execFileSync("umount", [mountPoint]);
    }
  });
});
