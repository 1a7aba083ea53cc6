import { createHash } from "node:crypto";
import { type FileHandle, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { AppError, errorMessage } from "../errors.ts";
import { tempPath } from "./fs-store-temps.node.ts";
import { errnoCode } from "./storage-errors.ts";

// File helpers of the local store (fs-store.node.ts): hashing, streaming, sidecars.
const CHUNK = 256 * 1024;

/** Sidecar beside each object; `ino`/`size`/`mtimeMs` tell whether it still describes the object. */
export interface Sidecar {
  sha256: string;
  size: number;
  ino: number;
  mtimeMs: number;
  contentType?: string;
}

/** Where an object of the store lives: its file, its sidecar and its folder. */
export interface Located {
  path: string;
  sidecarPath: string;
  dir: string;
  name: string;
}

export async function hashHandle(fh: FileHandle): Promise<string> {
  const hash = createHash("sha256");
  const buffer = new Uint8Array(CHUNK);
  for (let position = 0; ; ) {
    const { bytesRead } = await fh.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) return hash.digest("hex");
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

/** Streams bytes `start..end` (inclusive) of an open file and closes it when done or cancelled. */
export function fileStream(fh: FileHandle, start: number, end: number): ReadableStream<Uint8Array> {
  let position = start;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const want = Math.min(CHUNK, end - position + 1);
        const { bytesRead, buffer } =
          want > 0
            ? await fh.read(new Uint8Array(want), 0, want, position)
            : { bytesRead: 0, buffer: null };
        if (bytesRead === 0 || !buffer) {
          await fh.close();
          controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      } catch (err) {
        await fh.close().catch(() => {});
        controller.error(
          new AppError(
            "STORAGE_READ",
            `cannot read a stored object: ${errnoCode(err) ?? errorMessage(err)}`,
            {
              cause: err,
            },
          ),
        );
      }
    },
    async cancel() {
      await fh.close().catch(() => {});
    },
  });
}

export async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    return isSidecar(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export async function writeSidecar(at: Located, sidecar: Sidecar): Promise<void> {
  const tmp = tempPath(at.dir, at.name, "meta");
  try {
    await writeFile(tmp, JSON.stringify(sidecar), { flag: "wx" });
    await rename(tmp, at.sidecarPath);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

export async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable; some filesystems refuse to fsync a directory, which is fine.
  const fh = await open(dir, "r").catch(() => null);
  await fh?.sync().catch(() => {});
  await fh?.close().catch(() => {});
}

function isSidecar(value: unknown): value is Sidecar {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.sha256 === "string" &&
    typeof v.size === "number" &&
    typeof v.ino === "number" &&
    typeof v.mtimeMs === "number" &&
    (v.contentType === undefined || typeof v.contentType === "string")
  );
}
