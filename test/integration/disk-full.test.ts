import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";

/**
 * A real full disk: the data dir (release storage and the programs index's scratch space) is a
 * small tmpfs. Mounting needs root (CI runs as root); elsewhere the test is skipped and says why.
 */
function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
    return null;
  } catch (err) {
    return `cannot mount a tmpfs (${String(err).split("\n")[0]}); needs root`;
  }
}

const mountPoint = mkdtempSync(join(tmpdir(), "floodgate-disk-full-"));
const cannotMount = mountTmpfs(mountPoint, "24m");
if (cannotMount) console.warn(`disk-full test skipped: ${cannotMount}`);

describe.skipIf(cannotMount !== null)("publishing onto a full disk", { timeout: 180_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ FLOODGATE_DATA_DIR: mountPoint });
    h.seedBranches();
  });
  afterAll(async () => {
    await h?.close();
    execFileSync("umount", ["--lazy", mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const served = async (channel: string) =>
    (await h.app.request(`/${channel}`)).headers.get("location") ?? "";
  /** A passing eval of `channel` on a new master commit, not yet ticked. */
  async function passingEval(channel: string, topic: string) {
    h.sim.github.model.commit("master", topic);
    const made = await h.sim.evaluate(h.channel(channel));
    h.sim.hydra.model.finishEval(made.evalId);
    return made;
  }
  const tick = (channel: string) => tickChannel(h.deps, h.channel(channel));

  it("keeps the previous release served when the release storage is full, says so, then recovers", async () => {
    const first = await passingEval("nixpkgs-unstable", "hello: 2.13 -> 2.14");
    expect((await tick("nixpkgs-unstable")).kind).toBe("advanced");
    const next = await passingEval("nixpkgs-unstable", "linux: 6.18.1 -> 6.18.2");
    // A filler leaves 16 KiB: the next release's tarball cannot fit.
    const { bavail, bsize } = statfsSync(mountPoint);
    const filler = join(mountPoint, "filler");
    writeFileSync(filler, new Uint8Array(Math.max(0, bavail * bsize - 16 * 1024)));

    const outcome = await tick("nixpkgs-unstable");
    expect(outcome.kind).toBe("blocked");
    expect(outcome.summary).toContain(
      `disk full (ENOSPC): release storage ${mountPoint}/releases has no room for nixpkgs/${next.releaseName}/`,
    );
    expect(await served("nixpkgs-unstable")).toContain(first.releaseName);
    const file = await h.app.request(
      `${new URL(await served("nixpkgs-unstable")).pathname}/nixexprs.tar.xz`,
    );
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const page = await (await h.app.request("/channels/nixpkgs-unstable")).text();
    expect(page).toContain("disk full (ENOSPC): release storage");
    const api = await (await h.app.request("/api/v1/channels/nixpkgs-unstable")).json();
    expect(JSON.stringify(api)).toContain("STORAGE_FULL");

    rmSync(filler);
    expect(await tick("nixpkgs-unstable")).toMatchObject({
      kind: "advanced",
      release: next.releaseName,
    });
  });

  it("says so when the programs index's scratch space is full, not the release storage", async () => {
    const first = await passingEval("nixos-unstable", "git: 2.51 -> 2.52");
    expect((await tick("nixos-unstable")).kind).toBe("advanced");
    const next = await passingEval("nixos-unstable", "curl: 8.17 -> 8.18");
    // The scratch space alone is full: a 32 KiB tmpfs over it, the release storage has room.
    const scratch = join(mountPoint, "programs-index");
    mkdirSync(scratch, { recursive: true });
    expect(mountTmpfs(scratch, "32k")).toBeNull();
    try {
      const outcome = await tick("nixos-unstable");
      expect(outcome.kind).toBe("blocked");
      // nix-env's SQLite says only "disk I/O error": the free space names the reason.
      expect(outcome.summary).toMatch(
        new RegExp(
          `disk full \\((ENOSPC|\\d+ bytes free)\\): programs index scratch space ${scratch} has no room`,
        ),
      );
      expect(await served("nixos-unstable")).toContain(first.releaseName);
      const page = await (await h.app.request("/channels/nixos-unstable")).text();
      expect(page).toContain(`programs index scratch space ${scratch} has no room`);
    } finally {
      execFileSync("umount", [scratch]);
    }
    expect(await tick("nixos-unstable")).toMatchObject({
      kind: "advanced",
      release: next.releaseName,
    });
  });
});
