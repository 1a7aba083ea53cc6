import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirBusyError, type DataDirOwner } from "../errors.ts";
import { acquireDataDirLock } from "./data-dir-lock.node.ts";

const HOLDER = new URL("../../test/support/hold-data-dir-lock.ts", import.meta.url).pathname;
const claim = { command: "tick", waitMs: 0 };

function holderOf(path: string): DataDirOwner {
  return JSON.parse(readFileSync(path, "utf8")) as DataDirOwner;
}

function writeLock(path: string, owner: Partial<DataDirOwner>): void {
  const base = {
    pid: 1,
    host: hostname(),
    startTicks: null,
    command: "tick",
    since: "",
    nonce: "x",
  };
  writeFileSync(path, JSON.stringify({ ...base, ...owner }));
}

/** A pid that no process has: one of a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("the data dir lock", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-lock-"));
    path = join(dir, "db.lock");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("admits one owner and names it to the next", async () => {
    const first = await acquireDataDirLock(path, claim);
    const second = acquireDataDirLock(path, { command: "status", waitMs: 0 });
    await expect(second).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(second).rejects.toThrow(`in use by "floodgate tick" (pid ${process.pid} on`);
    first.release();
    expect(existsSync(path)).toBe(false);
    (await acquireDataDirLock(path, claim)).release();
  });

  it("waits for the owner to finish", async () => {
    const first = await acquireDataDirLock(path, claim);
    const second = acquireDataDirLock(path, { command: "tick", waitMs: 60_000 });
    setTimeout(() => first.release(), 300);
    const lock = await second;
    expect(holderOf(path).nonce).toBe(lock.owner.nonce);
    lock.release();
  });

  it("does not wait for a serve that others can go through", async () => {
    const serve = await acquireDataDirLock(path, { command: "serve", waitMs: 0 });
    await expect(acquireDataDirLock(path, claim)).rejects.toThrow(/is still starting/);
    serve.advertise({ url: "http://127.0.0.1:1", token: "t" });
    const tick = acquireDataDirLock(path, { command: "tick", waitMs: 600_000 });
    await expect(tick).rejects.toMatchObject({
      owner: { command: "serve", control: { token: "t" } },
    });
    serve.release();
  });

  it("takes over a lock whose process is gone", async () => {
    writeLock(path, { pid: deadPid(), nonce: "dead" });
    const lock = await acquireDataDirLock(path, claim);
    expect(holderOf(path)).toMatchObject({ pid: process.pid, nonce: lock.owner.nonce });
    lock.release();
  });

  it.skipIf(!existsSync("/proc/self/stat"))("takes over a lock whose pid was reused", async () => {
    writeLock(path, { pid: process.pid, startTicks: "1", nonce: "reused" });
    const lock = await acquireDataDirLock(path, claim);
    expect(holderOf(path).nonce).toBe(lock.owner.nonce);
    lock.release();
  });

  it("takes over an unreadable lock and another host's lock once it stops being touched", async () => {
    writeFileSync(path, "{ half");
    (await acquireDataDirLock(path, claim)).release();

    writeLock(path, { host: "elsewhere", nonce: "far" });
    await expect(acquireDataDirLock(path, claim)).rejects.toThrow(/pid 1 on elsewhere/);
    const longAgo = new Date(Date.now() - 60 * 60_000);
    utimesSync(path, longAgo, longAgo);
    (await acquireDataDirLock(path, claim)).release();
  });

  it("lets exactly one of many processes take over a stale lock at once", {
    timeout: 120_000,
  }, async () => {
    for (let round = 0; round < 3; round++) {
      writeLock(path, { pid: deadPid(), nonce: `stale-${round}` });
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ["--import", "tsx", HOLDER, path]),
      );
      const exits = children.map((c) => new Promise((r) => c.once("exit", r)));
      const firstLine = (child: (typeof children)[number]) =>
        new Promise<string>((resolve) => {
          let out = "";
          child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(out.trim());
          });
          child.once("exit", () => resolve(out.trim()));
        });
      const results = await Promise.all(children.map(firstLine));
      for (const c of children) c.stdin.end();
      await Promise.all(exits);
      expect(
        results.filter((r) => r === "acquired"),
        results.join(","),
      ).toHaveLength(1);
      expect(existsSync(path)).toBe(false);
    }
  });
});
