import { readdir, rm, rmdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { AppError } from "../errors.ts";
import { splitKey } from "./release-paths.ts";

/** Keys of the objects below `segments` (a folder under `rootDir`); store internals are left out. */
export async function listFilesUnder(rootDir: string, segments: string[]): Promise<string[]> {
  let entries: Awaited<ReturnType<typeof readFolder>>;
  try {
    entries = await readFolder(join(rootDir, ...segments));
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new AppError(
      "STORAGE_READ",
      `cannot list ${segments.join("/")}: ${code ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(rootDir, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((key) => splitKey(key) !== null);
}

/** Removes an object and its sidecar, then the folders it leaves empty, up to (not including) the root. */
export async function removeWithEmptyParents(
  rootDir: string,
  path: string,
  sidecarPath: string,
): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (err) {
    throw new AppError(
      "STORAGE_WRITE",
      `cannot delete ${relative(rootDir, path)}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  await rm(sidecarPath, { force: true }).catch(() => {});
  for (let dir = dirname(path); isBelow(rootDir, dir); dir = dirname(dir)) {
    // Fails on a folder that still holds something (another object, a crashed put's temp file).
    const removed = await rmdir(dir).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}

function readFolder(dir: string) {
  return readdir(dir, { recursive: true, withFileTypes: true });
}

function isBelow(rootDir: string, dir: string): boolean {
  const rel = relative(rootDir, dir);
  return rel !== "" && !rel.startsWith("..");
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "string" ? err.code : undefined;
}
