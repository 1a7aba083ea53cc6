import { describe, expect, it } from "vitest";
import { AppError, IntegrityError } from "../errors.ts";
import {
  createR2Store,
  type R2BucketLike,
  type R2ObjectLike,
  type R2PutOptionsLike,
  type R2UploadedPartLike,
} from "./r2-store.ts";

const hex = (buf: ArrayBuffer) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const bytesOf = (data: string | Uint8Array) =>
  typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
const sha256 = async (data: string | Uint8Array) =>
  hex(await crypto.subtle.digest("SHA-256", bytesOf(data)));
const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

function streamOf(chunks: Uint8Array[], failAfter?: Error): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk) controller.enqueue(chunk);
      else if (failAfter) controller.error(failAfter);
      else controller.close();
    },
  });
}

function split(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.byteLength; i += size) out.push(data.subarray(i, i + size));
  return out;
}

interface Stored {
  data: Uint8Array;
  meta: R2ObjectLike;
}

/** Behaves like R2 where the store depends on it: sha256 checked on put, equal-size parts, atomic objects. */
function fakeR2(opts: { minPartSize?: number } = {}) {
  const objects = new Map<string, Stored>();
  const calls: string[] = [];
  const store = async (key: string, data: Uint8Array, o: R2PutOptionsLike = {}) => {
    const meta: R2ObjectLike = {
      size: data.byteLength,
      etag: `md5-of-${key}`,
      httpMetadata: o.httpMetadata,
      customMetadata: o.customMetadata,
    };
    objects.set(key, { data: data.slice(), meta });
    return meta;
  };
  const bucket: R2BucketLike = {
    async head(key) {
      calls.push(`head ${key}`);
      return objects.get(key)?.meta ?? null;
    },
    async get(key, o) {
      calls.push(`get ${key}${o?.range ? ` ${o.range.offset}+${o.range.length}` : ""}`);
      const found = objects.get(key);
      if (!found) return null;
      const { offset = 0, length = found.data.byteLength - offset } = o?.range ?? {};
      const slice = found.data.subarray(offset, offset + length);
      return { ...found.meta, body: streamOf([slice]) };
    },
    async put(key, value, o) {
      calls.push(`put ${key}`);
      if (o?.sha256 && o.sha256 !== (await sha256(value))) {
        throw new Error(
          "put: The SHA-256 checksum you specified did not match what we received. (10037)",
        );
      }
      return store(key, value, o);
    },
    async createMultipartUpload(key, o) {
      calls.push(`create ${key}`);
      const parts = new Map<number, Uint8Array>();
      return {
        async uploadPart(partNumber, value) {
          calls.push(`part ${partNumber} ${value.byteLength}`);
          parts.set(partNumber, value.slice());
          return { partNumber, etag: `p${partNumber}` };
        },
        async complete(done: R2UploadedPartLike[]) {
          calls.push("complete");
          const sizes = done.map((p) => parts.get(p.partNumber)?.byteLength ?? 0);
          const [first = 0, ...rest] = sizes;
          if (
            rest.slice(0, -1).some((s) => s !== first) ||
            (rest.length > 0 && first < (opts.minPartSize ?? 0))
          ) {
            throw new Error("completeMultipartUpload: parts must be equal and large enough");
          }
          const data = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
          let at = 0;
          for (const p of done) {
            const part = parts.get(p.partNumber) ?? new Uint8Array();
            data.set(part, at);
            at += part.byteLength;
          }
          return store(key, data, o);
        },
        async abort() {
          calls.push("abort");
        },
      };
    },
    async list({ prefix }) {
      calls.push(`list ${prefix}`);
      return {
        objects: [...objects.keys()].filter((k) => k.startsWith(prefix)).map((key) => ({ key })),
        truncated: false,
      };
    },
    async delete(key) {
      calls.push(`delete ${key}`);
      objects.delete(key);
    },
  };
  return { bucket, objects, calls };
}

describe("createR2Store", () => {
  it("stores a streamed object with its sha256 as the ETag and the content type of its name", async () => {
    const r2 = fakeR2();
    const store = createR2Store(r2.bucket, "releases/");
    const put = await store.put(
      "nixos/unstable/r/nixexprs.tar.xz",
      streamOf([bytesOf("hello "), bytesOf("world")]),
    );
    expect(put).toEqual({ size: 11, sha256: await sha256("hello world") });
    expect(r2.calls).toEqual(["put releases/nixos/unstable/r/nixexprs.tar.xz"]);
    expect(await store.head("nixos/unstable/r/nixexprs.tar.xz")).toEqual({
      size: 11,
      etag: await sha256("hello world"),
      contentType: "application/octet-stream",
    });
    const got = await store.get("nixos/unstable/r/nixexprs.tar.xz");
    expect(got && (await text(got.body))).toBe("hello world");
    expect(await store.head("nixos/unstable/r/missing")).toBeNull();
    expect(await store.get("nixos/unstable/r/missing")).toBeNull();
  });

  it("hashes correctly however the bytes are chunked, across SHA-256 block boundaries", async () => {
    const store = createR2Store(fakeR2().bucket);
    for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_001]) {
      const data = new Uint8Array(size).map((_, i) => (i * 31 + size) % 256);
      for (const chunk of [1, 7, 64, 1000]) {
        const put = await store.put(`r/f-${size}-${chunk}`, streamOf(split(data, chunk)));
        expect(put, `size ${size}, chunk ${chunk}`).toEqual({ size, sha256: await sha256(data) });
      }
    }
  });

  it("refuses a wrong expectedSha256 before anything is stored", async () => {
    const r2 = fakeR2();
    const store = createR2Store(r2.bucket);
    const err = await store
      .put("r/nixexprs.tar.xz", streamOf([bytesOf("corrupt")]), {
        expectedSha256: await sha256("good"),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(r2.objects.size).toBe(0);
    expect(r2.calls).toEqual([]);
  });

  it("accepts a matching expectedSha256 in upper case and passes it to R2 to check", async () => {
    const r2 = fakeR2();
    const seen: (string | undefined)[] = [];
    const put = r2.bucket.put;
    r2.bucket.put = (key, value, o) => {
      seen.push(o?.sha256);
      return put(key, value, o);
    };
    const store = createR2Store(r2.bucket);
    const digest = await sha256("payload");
    await expect(
      store.put("r/f", "payload", { expectedSha256: digest.toUpperCase() }),
    ).resolves.toEqual({
      size: 7,
      sha256: digest,
    });
    expect(seen).toEqual([digest]);
  });

  it("maps R2's checksum refusal to IntegrityError and other R2 failures to retryable STORAGE_WRITE", async () => {
    const r2 = fakeR2();
    const put = r2.bucket.put;
    r2.bucket.put = (key, value, o) =>
      put(
        key,
        value.map((b) => b ^ 1),
        o,
      );
    const store = createR2Store(r2.bucket);
    await expect(store.put("r/f", "bytes corrupted in transit")).rejects.toBeInstanceOf(
      IntegrityError,
    );

    r2.bucket.put = async () => {
      throw new Error("put: We encountered an internal error. Please try again. (10001)");
    };
    const err = await store.put("r/f", "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "STORAGE_WRITE", retryable: true });
    expect(r2.objects.size).toBe(0);
  });

  it("uploads a long stream in equal parts and keeps its sha256 when one was expected", async () => {
    const r2 = fakeR2({ minPartSize: 1000 });
    const store = createR2Store(r2.bucket, "", { partSize: 1000 });
    const data = new Uint8Array(3500).map((_, i) => i % 253);
    const digest = await sha256(data);
    const put = await store.put("r/big.xz", streamOf(split(data, 300)), { expectedSha256: digest });
    expect(put).toEqual({ size: 3500, sha256: digest });
    expect(r2.calls).toEqual([
      "create r/big.xz",
      "part 1 1000",
      "part 2 1000",
      "part 3 1000",
      "part 4 500",
      "complete",
    ]);
    expect(await store.head("r/big.xz")).toMatchObject({ size: 3500, etag: digest });
    const got = await store.get("r/big.xz");
    expect(got && new Uint8Array(await new Response(got.body).arrayBuffer())).toEqual(data);
  });

  it("stores a long stream without an expected hash, with R2's own ETag, and a buffer in one put", async () => {
    const r2 = fakeR2();
    const store = createR2Store(r2.bucket, "", { partSize: 100 });
    const data = new Uint8Array(250).fill(3);
    expect(await store.put("r/log", streamOf(split(data, 64)))).toEqual({
      size: 250,
      sha256: await sha256(data),
    });
    expect(await store.head("r/log")).toMatchObject({ size: 250, etag: "md5-of-r/log" });
    r2.calls.length = 0;
    expect((await store.put("r/buffer", data)).size).toBe(250);
    expect(r2.calls).toEqual(["put r/buffer"]);
    expect((await store.head("r/buffer"))?.etag).toBe(await sha256(data));
  });

  it("aborts a multipart upload whose bytes do not match, leaving nothing stored", async () => {
    const r2 = fakeR2();
    const store = createR2Store(r2.bucket, "", { partSize: 100 });
    const data = new Uint8Array(450).fill(7);
    const err = await store
      .put("r/big.xz", streamOf(split(data, 64)), { expectedSha256: "0".repeat(64) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(r2.calls.at(-1)).toBe("abort");
    expect(r2.calls).not.toContain("complete");
    expect(r2.objects.size).toBe(0);
  });

  it("aborts the upload and rethrows when the source stream fails", async () => {
    const r2 = fakeR2();
    const store = createR2Store(r2.bucket, "", { partSize: 100 });
    const upstream = new AppError("HYDRA_DOWNLOAD", "connection reset", { retryable: true });
    await expect(
      store.put("r/big", streamOf(split(new Uint8Array(250), 50), upstream)),
    ).rejects.toBe(upstream);
    expect(r2.calls.at(-1)).toBe("abort");
    await expect(store.put("r/small", streamOf([new Uint8Array(5)], upstream))).rejects.toBe(
      upstream,
    );
    expect(r2.objects.size).toBe(0);
  });

  it("serves byte ranges, clamping the end to the object", async () => {
    const store = createR2Store(fakeR2().bucket);
    await store.put("r/abc", "0123456789");
    const mid = await store.get("r/abc", { start: 2, end: 5 });
    expect(mid?.range).toEqual({ start: 2, end: 5 });
    expect(mid && (await text(mid.body))).toBe("2345");
    const tail = await store.get("r/abc", { start: 7 });
    expect(tail?.range).toEqual({ start: 7, end: 9 });
    expect(tail && (await text(tail.body))).toBe("789");
    const clamped = await store.get("r/abc", { start: 8, end: 100 });
    expect(clamped && (await text(clamped.body))).toBe("89");
    await expect(store.get("r/abc", { start: 10 })).rejects.toMatchObject({
      code: "RANGE_NOT_SATISFIABLE",
    });
    expect(await store.get("r/none", { start: 0 })).toBeNull();
  });

  it("refuses keys that are not safe relative paths", async () => {
    const store = createR2Store(fakeR2().bucket);
    for (const key of ["/abs", "a/../b", "a//b", ".hidden", ""]) {
      await expect(store.put(key, "x"), key).rejects.toMatchObject({ code: "BAD_KEY" });
    }
  });

  it("falls back to R2's own ETag and the name's content type for objects written elsewhere", async () => {
    const r2 = fakeR2();
    r2.objects.set("r/git-revision", {
      data: bytesOf("abc"),
      meta: { size: 3, etag: "d41d8cd98f00b204" },
    });
    expect(await createR2Store(r2.bucket).head("r/git-revision")).toEqual({
      size: 3,
      etag: "d41d8cd98f00b204",
      contentType: "text/plain; charset=utf-8",
    });
  });
});
