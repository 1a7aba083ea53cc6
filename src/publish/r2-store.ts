import { AppError, errorMessage, IntegrityError } from "../errors.ts";
import type { BlobInfo, BlobStore, PutOptions } from "./blob-store.ts";
import { createChunkQueue, createSha256 } from "./chunk-queue.ts";
import { contentTypeFor } from "./content-types.ts";
import { forEachChunk } from "./for-each-chunk.ts";
import { prefixedKeys } from "./release-paths.ts";

/** The slice of the Workers `R2Bucket` binding this store uses, so no Cloudflare type package is needed. */
export interface R2BucketLike {
  head(key: string): Promise<R2ObjectLike | null>;
  get(
    key: string,
    options?: { range?: { offset: number; length?: number } },
  ): Promise<R2ObjectBodyLike | null>;
  put(key: string, value: Uint8Array, options?: R2PutOptionsLike): Promise<R2ObjectLike | null>;
  createMultipartUpload(
    key: string,
    options?: Omit<R2PutOptionsLike, "sha256">,
  ): Promise<R2MultipartUploadLike>;
  list(options: { prefix: string; cursor?: string }): Promise<R2ObjectsLike>;
  delete(key: string): Promise<void>;
}

export interface R2ObjectsLike {
  objects: { key: string }[];
  truncated: boolean;
  cursor?: string;
}

export interface R2ObjectLike {
  size: number;
  etag: string;
  /** When R2 stored the object (Workers' `R2Object.uploaded`). */
  uploaded?: Date;
  httpMetadata?: { contentType?: string };
  customMetadata?: Record<string, string>;
}

export interface R2ObjectBodyLike extends R2ObjectLike {
  body: ReadableStream<Uint8Array>;
}

export interface R2PutOptionsLike {
  httpMetadata?: { contentType?: string };
  customMetadata?: Record<string, string>;
  /** R2 recomputes the hash of what it received and refuses the put when it differs. */
  sha256?: string;
}

export interface R2UploadedPartLike {
  partNumber: number;
  etag: string;
}

export interface R2MultipartUploadLike {
  uploadPart(partNumber: number, value: Uint8Array): Promise<R2UploadedPartLike>;
  complete(parts: R2UploadedPartLike[]): Promise<R2ObjectLike>;
  abort(): Promise<void>;
}

export interface R2StoreOptions {
  /** A stream longer than this goes up in parts of this size (R2 wants ≥ 5 MiB, all equal but the last). */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
// R2's BadDigest (code 10037): the sha256 given with a put does not match the bytes received.
const BAD_DIGEST = /\b10037\b|checksum you specified did not match/i;

/**
 * A `BlobStore` on an R2 bucket. R2 puts are atomic. A stream that fits in one part is buffered and
 * put with its sha256, which R2 checks; a longer one is hashed while it goes up as a multipart
 * upload, which is aborted (nothing stored) unless the hash matches. The sha256 is kept in
 * `customMetadata.sha256` and served as the ETag.
 */
export function createR2Store(
  bucket: R2BucketLike,
  prefix = "",
  opts: R2StoreOptions = {},
): BlobStore {
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  const { locate, relative } = prefixedKeys(prefix);
  const describe = (key: string, obj: R2ObjectLike): BlobInfo => ({
    size: obj.size,
    etag: obj.customMetadata?.sha256 ?? obj.etag,
    contentType: obj.httpMetadata?.contentType ?? contentTypeFor(key),
    ...(obj.uploaded ? { lastModified: obj.uploaded } : {}),
  });
  const head = async (key: string) => {
    const obj = await guard("STORAGE_READ", key, () => bucket.head(locate(key)));
    return obj ? describe(key, obj) : null;
  };

  return {
    head,

    async get(key, range) {
      const at = locate(key);
      if (!range) {
        const obj = await guard("STORAGE_READ", key, () => bucket.get(at));
        return obj ? { ...describe(key, obj), body: obj.body } : null;
      }
      const info = await head(key);
      if (!info) return null;
      const end = Math.min(range.end ?? info.size - 1, info.size - 1);
      if (range.start < 0 || range.start > end) {
        throw new AppError(
          "RANGE_NOT_SATISFIABLE",
          `range ${range.start}-${range.end ?? ""} of ${key}`,
          { context: { key, size: info.size } },
        );
      }
      const length = end - range.start + 1;
      const obj = await guard("STORAGE_READ", key, () =>
        bucket.get(at, { range: { offset: range.start, length } }),
      );
      if (!obj) return null;
      return { ...describe(key, obj), body: obj.body, range: { start: range.start, end } };
    },

    async put(key, body, putOpts: PutOptions = {}) {
      const at = locate(key);
      const expected = putOpts.expectedSha256?.toLowerCase();
      const httpMetadata = { contentType: putOpts.contentType ?? contentTypeFor(key) };
      const hash = createSha256();
      const queue = createChunkQueue();
      let upload: { handle: R2MultipartUploadLike; parts: R2UploadedPartLike[] } | undefined;
      const refuse = (actual: string) =>
        new IntegrityError(`sha256 of ${key} is ${actual}, expected ${expected}`, {
          key,
          expected,
          actual,
          size: queue.total,
        });
      // A buffer already in memory goes up in one put; only a stream is split into parts.
      const split = typeof body !== "string" && !(body instanceof Uint8Array);
      // Without an expected hash the sha256 is unknown when an upload starts: its ETag is R2's.
      const customMetadata: Record<string, string> = expected ? { sha256: expected } : {};
      try {
        await forEachChunk(body, async (chunk) => {
          hash.update(chunk);
          queue.push(chunk);
          while (split && queue.size > partSize) {
            upload ??= {
              handle: await guard("STORAGE_WRITE", key, () =>
                bucket.createMultipartUpload(at, { httpMetadata, customMetadata }),
              ),
              parts: [],
            };
            const { handle, parts } = upload;
            const part = queue.take(partSize);
            parts.push(
              await guard("STORAGE_WRITE", key, () => handle.uploadPart(parts.length + 1, part)),
            );
          }
        });
        const sha256 = hash.hex();
        if (expected !== undefined && expected !== sha256) throw refuse(sha256);
        if (upload) {
          const { handle, parts } = upload;
          const last = queue.take(queue.size);
          if (last.byteLength > 0) {
            parts.push(
              await guard("STORAGE_WRITE", key, () => handle.uploadPart(parts.length + 1, last)),
            );
          }
          await guard("STORAGE_WRITE", key, () => handle.complete(parts));
        } else {
          const bytes = queue.take(queue.size);
          await guard("STORAGE_WRITE", key, () =>
            bucket.put(at, bytes, { httpMetadata, customMetadata: { sha256 }, sha256 }),
          );
        }
        return { size: queue.total, sha256 };
      } catch (err) {
        await upload?.handle.abort().catch(() => {});
        throw err;
      }
    },

    async list(folder) {
      const base = `${locate(folder)}/`;
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await guard("STORAGE_READ", folder, () =>
          bucket.list(cursor ? { prefix: base, cursor } : { prefix: base }),
        );
        for (const o of page.objects) keys.push(relative(o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return keys;
    },

    async delete(key) {
      const at = locate(key);
      await guard("STORAGE_WRITE", key, () => bucket.delete(at));
    },
  };
}

async function guard<T>(code: string, key: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const message = errorMessage(err);
    if (BAD_DIGEST.test(message)) {
      throw new IntegrityError(`R2 refused ${key}: ${message}`, { key });
    }
    throw new AppError(
      code,
      `R2 ${code === "STORAGE_READ" ? "read" : "write"} of ${key} failed: ${message}`,
      {
        retryable: true,
        cause: err,
        context: { key },
      },
    );
  }
}
