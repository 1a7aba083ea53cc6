import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AppError, IntegrityError } from "../errors.ts";
import type { BlobBody, BlobInfo, BlobStore, PutOptions } from "./blob-store.ts";
import { contentTypeFor } from "./content-types.ts";
import { forEachChunk } from "./for-each-chunk.ts";
import {
  fileStream,
  hashHandle,
  type Located,
  readSidecar,
  type Sidecar,
  syncDir,
  writeSidecar,
} from "./fs-store-files.node.ts";
import { listFilesUnder, removeWithEmptyParents } from "./fs-store-folders.node.ts";
import { tempPath } from "./fs-store-temps.node.ts";
import { splitKey } from "./release-paths.ts";
import { errnoCode, storageError } from "./storage-errors.ts";
import { createWriteBehind } from "./write-behind.node.ts";

/** A stored object as a local file, for serving it with Node streams (see `local`). */
export interface LocalBlob extends BlobInfo {
  path: string;
  lastModified: Date;
}

export interface FsStore extends BlobStore {
  /** The object's file and metadata from one `stat` (metadata is remembered), or null. */
  local(key: string): Promise<LocalBlob | null>;
}

// Remembered descriptions; a changed inode, size or mtime makes an entry stale.
const MAX_REMEMBERED = 10_000;

/**
 * A `BlobStore` on a local directory. Objects are written to a temp file in the same directory,
 * hashed while written, fsynced and renamed into place, so readers see all of an object or none.
 * Internal files (temp files, sidecars) start with "." and keys may not, so they are never served.
 */
export function createFsStore(rootDir: string): FsStore {
  const remembered = new Map<string, { info: BlobInfo; ino: number; mtimeMs: number }>();
  const recall = (key: string, st: Stats): BlobInfo | null => {
    const known = remembered.get(key);
    if (!known || known.ino !== st.ino || known.mtimeMs !== st.mtimeMs) return null;
    return known.info.size === st.size ? known.info : null;
  };
  const remember = (key: string, st: Stats, described: BlobInfo): BlobInfo => {
    const info = { ...described, lastModified: st.mtime };
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(key, { info, ino: st.ino, mtimeMs: st.mtimeMs });
    return info;
  };

  /** A write failure of `key`, typed; a full disk names the release storage and its root. */
  const writeError = (key: string, message: string, err: unknown) =>
    storageError("STORAGE_WRITE", message, err, { kind: "release storage", path: rootDir, key });

  const locate = (key: string): Located => {
    const segments = splitKey(key);
    const name = segments?.at(-1);
    if (!segments || !name) {
      throw new AppError("BAD_KEY", `storage key "${key}" is not a safe relative path`, {
        context: { key },
      });
    }
    const path = join(rootDir, ...segments);
    const dir = dirname(path);
    return { path, dir, name, sidecarPath: join(dir, `.${name}.meta.json`) };
  };

  const describe = async (key: string, fh: FileHandle, at: Located): Promise<BlobInfo | null> => {
    const st = await fh.stat();
    if (!st.isFile()) return null;
    const known = recall(key, st);
    if (known) return known;
    let sidecar = await readSidecar(at.sidecarPath);
    if (
      !sidecar ||
      sidecar.ino !== st.ino ||
      sidecar.size !== st.size ||
      sidecar.mtimeMs !== st.mtimeMs
    ) {
      // Written outside `put`, or a crash between the sidecar and the rename: hash once, remember.
      sidecar = {
        sha256: await hashHandle(fh),
        size: st.size,
        ino: st.ino,
        mtimeMs: st.mtimeMs,
      };
      await writeSidecar(at, sidecar).catch(() => {});
    }
    return remember(key, st, {
      size: st.size,
      etag: sidecar.sha256,
      contentType: sidecar.contentType ?? contentTypeFor(key),
    });
  };

  const openForRead = async (path: string): Promise<FileHandle | null> => {
    try {
      return await open(path, "r");
    } catch (err) {
      // A name too long to exist (ENAMETOOLONG) is as absent as a missing one.
      const absent = ["ENOENT", "ENOTDIR", "EISDIR", "ENAMETOOLONG"].includes(errnoCode(err) ?? "");
      if (absent) return null;
      throw storageError("STORAGE_READ", `cannot read ${path}`, err, {
        kind: "release storage",
        path: rootDir,
        key: path,
      });
    }
  };

  return {
    async local(key) {
      const at = locate(key);
      const st = await stat(at.path).catch(() => null);
      if (!st?.isFile()) return null;
      const known = recall(key, st);
      if (known) return { ...known, path: at.path, lastModified: st.mtime };
      const fh = await openForRead(at.path);
      if (!fh) return null;
      try {
        const info = await describe(key, fh, at);
        return info ? { ...info, path: at.path, lastModified: st.mtime } : null;
      } finally {
        await fh.close();
      }
    },

    async head(key) {
      const at = locate(key);
      const fh = await openForRead(at.path);
      if (!fh) return null;
      try {
        return await describe(key, fh, at);
      } finally {
        await fh.close();
      }
    },

    async get(key, range) {
      const at = locate(key);
      const fh = await openForRead(at.path);
      if (!fh) return null;
      let info: BlobInfo | null;
      try {
        info = await describe(key, fh, at);
      } catch (err) {
        await fh.close();
        throw err;
      }
      if (!info) {
        await fh.close();
        return null;
      }
      if (!range) return { ...info, body: fileStream(fh, 0, info.size - 1) };
      const end = Math.min(range.end ?? info.size - 1, info.size - 1);
      if (range.start < 0 || range.start > end) {
        await fh.close();
        throw new AppError(
          "RANGE_NOT_SATISFIABLE",
          `range ${range.start}-${range.end ?? ""} of ${key}`,
          {
            context: { key, size: info.size },
          },
        );
      }
      const body: BlobBody = {
        ...info,
        body: fileStream(fh, range.start, end),
        range: { start: range.start, end },
      };
      return body;
    },

    async put(key, body, opts: PutOptions = {}) {
      const at = locate(key);
      const tmp = tempPath(at.dir, at.name, "object");
      let fh: FileHandle | undefined;
      try {
        await mkdir(at.dir, { recursive: true }).catch((err: unknown) => {
          throw writeError(key, `cannot create directory for ${key}`, err);
        });
        fh = await open(tmp, "wx").catch((err: unknown) => {
          throw writeError(key, `cannot create a temp file for ${key}`, err);
        });
        const hash = createHash("sha256");
        let size = 0;
        const handle = fh;
        const file = createWriteBehind(handle);
        const writeFailed = (err: unknown) => {
          throw writeError(key, `cannot write ${key}`, err);
        };
        await forEachChunk(body, async (chunk) => {
          hash.update(chunk);
          size += chunk.byteLength;
          await file.push(chunk).catch(writeFailed);
        });
        await file.finish().catch(writeFailed);
        const sha256 = hash.digest("hex");
        const expected = opts.expectedSha256?.toLowerCase();
        if (expected !== undefined && expected !== sha256) {
          throw new IntegrityError(`sha256 of ${key} is ${sha256}, expected ${expected}`, {
            key,
            expected,
            actual: sha256,
            size,
          });
        }
        const stat = await fh
          .sync()
          .then(() => handle.stat())
          .catch((err: unknown) => {
            throw writeError(key, `cannot flush ${key}`, err);
          });
        await fh.close();
        fh = undefined;
        const sidecar: Sidecar = { sha256, size, ino: stat.ino, mtimeMs: stat.mtimeMs };
        if (opts.contentType) sidecar.contentType = opts.contentType;
        await writeSidecar(at, sidecar).catch((err: unknown) => {
          throw writeError(key, `cannot write metadata of ${key}`, err);
        });
        await rename(tmp, at.path).catch((err: unknown) => {
          throw writeError(key, `cannot move ${key} into place`, err);
        });
        await syncDir(at.dir);
        return { size, sha256 };
      } catch (err) {
        await fh?.close().catch(() => {});
        await rm(tmp, { force: true }).catch(() => {});
        throw err;
      }
    },

    async list(prefix) {
      const segments = splitKey(prefix);
      if (!segments) {
        throw new AppError("BAD_KEY", `storage prefix "${prefix}" is not a safe relative path`, {
          context: { prefix },
        });
      }
      return listFilesUnder(rootDir, segments);
    },

    async delete(key) {
      const at = locate(key);
      await removeWithEmptyParents(rootDir, at.path, at.sidecarPath);
    },
  };
}
