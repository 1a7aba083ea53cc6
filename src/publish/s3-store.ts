import { IntegrityError } from "../errors.ts";
import type { BlobInfo, BlobStore, PutOptions } from "./blob-store.ts";
import { createChunkQueue, createSha256 } from "./chunk-queue.ts";
import { contentTypeFor } from "./content-types.ts";
import { forEachChunk } from "./for-each-chunk.ts";
import { prefixedKeys } from "./release-paths.ts";
import type { S3Client, S3Part } from "./s3-client.ts";

export interface S3StoreOptions {
  /** A stream longer than this goes up as a multipart upload; shorter ones in one PUT. */
  multipartThreshold?: number;
  /** Size of every part but the last (S3 and R2 want ≥ 5 MiB, all equal). */
  partSize?: number;
  /** Parts on the wire at once; memory is about (this + 1) × partSize, or the threshold. */
  partsInFlight?: number;
}

export const S3_DEFAULTS = {
  multipartThreshold: 64 * 1024 * 1024,
  partSize: 16 * 1024 * 1024,
  partsInFlight: 2,
} as const;

const SHA256_META = "x-amz-meta-sha256";

/**
 * A `BlobStore` on an S3-compatible bucket (AWS S3, R2, MinIO). PUT and multipart completion are
 * atomic, so readers see a whole object or none. The sha256 lives in `x-amz-meta-sha256` and is the
 * ETag served; an upload whose object is already there with that sha256 is skipped. A multipart
 * upload that fails or whose bytes do not hash to the expected sha256 is aborted: nothing is stored.
 */
export function createS3Store(client: S3Client, prefix = "", opts: S3StoreOptions = {}): BlobStore {
  const { multipartThreshold, partSize, partsInFlight } = { ...S3_DEFAULTS, ...opts };
  const { locate, relative } = prefixedKeys(prefix);
  const describe = (key: string, headers: Headers): BlobInfo => ({
    size: Number(headers.get("Content-Length") ?? 0),
    etag: headers.get(SHA256_META) ?? (headers.get("ETag") ?? "").replace(/"/g, ""),
    contentType: headers.get("Content-Type") ?? contentTypeFor(key),
  });
  const head = async (key: string): Promise<BlobInfo | null> => {
    const headers = await client.head(locate(key));
    return headers ? describe(key, headers) : null;
  };
  /** The stored object already has these bytes: skip the upload (publishing twice is cheap). */
  const alreadyStored = async (key: string, sha256: string) => {
    const info = await head(key);
    return info?.etag === sha256 ? info : null;
  };

  return {
    head,

    async get(key, range) {
      const res = await client.get(locate(key), range);
      if (!res?.body) return null;
      const info = describe(key, res.headers);
      if (!range) return { ...info, body: res.body };
      // 206: Content-Length is the slice; the object's size is after the slash of Content-Range.
      const match = /bytes (\d+)-(\d+)\/(\d+)/.exec(res.headers.get("Content-Range") ?? "");
      if (res.status !== 206 || !match) {
        // A server that ignores Range sends the whole object; serve it whole rather than lie.
        return { ...info, body: res.body };
      }
      return {
        ...info,
        size: Number(match[3]),
        body: res.body,
        range: { start: Number(match[1]), end: Number(match[2]) },
      };
    },

    async put(key, body, putOpts: PutOptions = {}) {
      const at = locate(key);
      const expected = putOpts.expectedSha256?.toLowerCase();
      const contentType = putOpts.contentType ?? contentTypeFor(key);
      if (expected) {
        const found = await alreadyStored(key, expected);
        if (found) {
          if (typeof body !== "string" && !(body instanceof Uint8Array)) await body.cancel();
          return { size: found.size, sha256: expected };
        }
      }
      const hash = createSha256();
      const queue = createChunkQueue();
      const refuse = (actual: string) =>
        new IntegrityError(`sha256 of ${key} is ${actual}, expected ${expected}`, {
          key,
          expected,
          actual,
          size: queue.total,
        });
      let upload: MultipartUpload | undefined;
      try {
        await forEachChunk(body, async (chunk) => {
          hash.update(chunk);
          queue.push(chunk);
          if (!upload && queue.size <= multipartThreshold) return;
          // Without an expected hash the sha256 is unknown when the upload starts: ETag is S3's.
          upload ??= await startMultipart(client, at, contentType, expected, partsInFlight);
          while (queue.size >= partSize) await upload.send(queue.take(partSize));
        });
        const sha256 = hash.hex();
        if (expected !== undefined && expected !== sha256) throw refuse(sha256);
        if (upload) {
          if (queue.size > 0) await upload.send(queue.take(queue.size));
          await upload.complete();
          return { size: queue.total, sha256 };
        }
        const bytes = queue.take(queue.size);
        if (!expected && (await alreadyStored(key, sha256)))
          return { size: bytes.byteLength, sha256 };
        await client.put(at, bytes, {
          "Content-Type": contentType,
          [SHA256_META]: sha256,
          // The payload hash is signed, so S3 refuses bytes damaged on the way.
          "X-Amz-Content-Sha256": sha256,
        });
        return { size: bytes.byteLength, sha256 };
      } catch (err) {
        await upload?.abort();
        throw err;
      }
    },

    async list(folder) {
      const base = locate(folder);
      const keys = await client.listKeys(`${base}/`);
      return keys.map((k) => relative(k));
    },

    async delete(key) {
      await client.deleteObject(locate(key));
    },
  };
}

interface MultipartUpload {
  /** Queues the next part; waits while `partsInFlight` parts are already on the wire. */
  send(part: Uint8Array<ArrayBuffer>): Promise<void>;
  complete(): Promise<void>;
  /** Best effort: S3 drops unfinished uploads itself with a lifecycle rule. */
  abort(): Promise<void>;
}

async function startMultipart(
  client: S3Client,
  key: string,
  contentType: string,
  sha256: string | undefined,
  partsInFlight: number,
): Promise<MultipartUpload> {
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (sha256) headers[SHA256_META] = sha256;
  const uploadId = await client.createMultipartUpload(key, headers);
  const parts: S3Part[] = [];
  const inFlight = new Set<Promise<void>>();
  let nextPartNumber = 1;
  let failure: unknown;
  const settle = async () => {
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  };
  return {
    async send(part) {
      if (failure !== undefined) throw failure;
      const partNumber = nextPartNumber++;
      const sending: Promise<void> = client
        .uploadPart(key, uploadId, partNumber, part)
        .then((done) => {
          parts.push(done);
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      while (inFlight.size >= partsInFlight) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
    },
    async complete() {
      await settle();
      parts.sort((a, b) => a.partNumber - b.partNumber);
      await client.completeMultipartUpload(key, uploadId, parts);
    },
    async abort() {
      await Promise.allSettled(inFlight);
      await client.abortMultipartUpload(key, uploadId).catch(() => {});
    },
  };
}
