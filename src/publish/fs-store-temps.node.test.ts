import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepAbandonedTemps, tempPath } from "./fs-store-temps.node.ts";

/** The pid of a process that has exited (so nothing runs under it, barring an unlikely reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("sweepAbandonedTemps", () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-temps-"));
    dir = join(root, "nixos", "unstable", "nixos-26.11pre1.abc");
    await mkdir(dir, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("removes a killed writer's temp files and keeps a live writer's and the objects", async () => {
    const mine = tempPath(dir, "nixexprs.tar.xz", "object");
    // The same tag with the pid of a process that exited: a put killed midway.
    const dead = deadPid();
    const killed = mine.replace(`.${process.pid}-`, `.${dead}-`);
    const killedMeta = tempPath(dir, "git-revision", "meta").replace(
      `.${process.pid}-`,
      `.${dead}-`,
    );
    for (const f of [mine, killed, killedMeta, join(dir, "nixexprs.tar.xz")]) {
      await writeFile(f, "partial");
    }
    expect(await sweepAbandonedTemps(root)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual([basename(mine), "nixexprs.tar.xz"].sort());
  });

  it("removes a temp file nobody vouches for only once it is old", async () => {
    const untagged = join(dir, ".nixexprs.tar.xz.0b6c6f0e-0000-4000-8000-000000000000.tmp");
    await writeFile(untagged, "partial");
    expect(await sweepAbandonedTemps(root)).toBe(0);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(untagged, hourAgo, hourAgo);
    expect(await sweepAbandonedTemps(root)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it("finds nothing to do in a store that does not exist yet", async () => {
    expect(await sweepAbandonedTemps(join(root, "missing"))).toBe(0);
  });
});
