import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  isProcessAlive,
  type ProcessIdentity,
  thisProcess,
} from "../../src/process-liveness.node.ts";

const LOCK_DIR = join(tmpdir(), "floodgate-test-nix-channels.lock");

/**
 * Holds the one lock on root's Nix channels profile (/nix/var/nix/profiles/per-user/root/channels,
 * which `nix-channel --update` writes whatever HOME says) so that test files running at the same
 * time never read each other's `nixos` channel. Resolves with its release.
 */
export async function lockNixChannelsProfile(): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, "owner.json"), JSON.stringify(thisProcess()));
      return () => rm(LOCK_DIR, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = await readFile(join(LOCK_DIR, "owner.json"), "utf8").then(
        (text) => JSON.parse(text) as ProcessIdentity,
        () => null,
      );
      // An owner that died without letting go (a killed run) leaves the lock to the next one.
      if (owner && isProcessAlive(owner) === false) {
        await rm(LOCK_DIR, { recursive: true, force: true });
      } else await sleep(250);
    }
  }
}
