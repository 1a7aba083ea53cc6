import { statfs } from "node:fs/promises";
import { errorCode, errorMessage } from "../../errors.ts";
import { briefly, diskFullError, isDiskFull } from "../storage-errors.ts";

// Below this much free space a failed tool is taken to have failed for want of room.
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * A failure of the programs index as "disk full" when the scratch space is the reason: tar and xz
 * say "No space left on device", but nix-env's SQLite only "disk I/O error", so the free space
 * decides. Anything else (and a full release storage, already typed) passes through unchanged.
 */
export async function asScratchFull(workDir: string, err: unknown): Promise<unknown> {
  if (errorCode(err) === "STORAGE_FULL") return err;
  const what = `(${briefly(errorMessage(err))})`;
  if (isDiskFull(err)) return diskFullError("programs index scratch space", workDir, what, err);
  const free = await statfs(workDir).then(
    (s) => s.bavail * s.bsize,
    () => null,
  );
  if (free === null || free >= NEARLY_FULL_BYTES) return err;
  return diskFullError("programs index scratch space", workDir, what, err, free);
}
