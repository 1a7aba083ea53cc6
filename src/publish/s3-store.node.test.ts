import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { S3_TEST_KEYS, startS3Server, type TestS3Server } from "../../test/support/s3-server.ts";
import { AppError, IntegrityError } from "../errors.ts";
import type { BlobStore } from "./blob-store.ts";
import { createS3Client } from "./s3-client.ts";
import { createS3Store, type S3StoreOptions } from "./s3-store.ts";

const MiB = 1024 * 1024;
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const bytes = async (stream: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

function streamOf(data: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.byteLength) return controller.close();
      controller.enqueue(data.slice(at, at + chunk));
      at += chunk;
    },
  });
}

const patterned = (size: number) => new Uint8Array(size).map((_, i) => (i * 7 + (i >> 12)) % 256);

/** The store against s3rver, a real S3 server on loopback, through a proxy that injects 5xx. */
describe("createS3Store on an S3 server", () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(() => s3.close());
  beforeEach(() => {
    s3.clearFaults();
    s3.requests.length = 0;
  });

  const storeWith = (prefix: string, opts: S3StoreOptions = {}): BlobStore =>
    createS3Store(
      createS3Client({
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        region: "us-east-1",
        ...S3_TEST_KEYS,
        retryBaseMs: 1,
      }),
      prefix,
      opts,
    );
  const small = { multipartThreshold: 6 * MiB, partSize: 5 * MiB };
  const requestsLike = (pattern: RegExp) =>
    s3.requests.filter((r) => pattern.test(`${r.method} ${r.url}`));

  it("puts, heads, gets, ranges, lists and deletes objects under its prefix", async () => {
    const store = storeWith("releases/");
    const put = await store.put("nixos/unstable/r1/git-revision", "0123456789abcdef");
    expect(put).toEqual({ size: 16, sha256: sha256("0123456789abcdef") });
    expect(await store.head("nixos/unstable/r1/git-revision")).toEqual({
      size: 16,
      etag: sha256("0123456789abcdef"),
      contentType: "text/plain; charset=utf-8",
    });
    expect(
      requestsLike(/^PUT \/releases\/releases\/nixos\/unstable\/r1\/git-revision$/),
    ).toHaveLength(1);

    const got = await store.get("nixos/unstable/r1/git-revision");
    expect(got && new TextDecoder().decode(await bytes(got.body))).toBe("0123456789abcdef");
    const ranged = await store.get("nixos/unstable/r1/git-revision", { start: 4, end: 7 });
    expect(
      ranged && { ...ranged, body: new TextDecoder().decode(await bytes(ranged.body)) },
    ).toEqual({
      size: 16,
      etag: sha256("0123456789abcdef"),
      contentType: "text/plain; charset=utf-8",
      range: { start: 4, end: 7 },
      body: "4567",
    });
    const tail = await store.get("nixos/unstable/r1/git-revision", { start: 10 });
    expect(tail?.range).toEqual({ start: 10, end: 15 });

    await store.put("nixos/unstable/r1/index.html", "<html></html>");
    await store.put("nixos/unstable/r10/git-revision", "other");
    expect((await store.list("nixos/unstable/r1")).sort()).toEqual([
      "nixos/unstable/r1/git-revision",
      "nixos/unstable/r1/index.html",
    ]);
    await store.delete("nixos/unstable/r1/git-revision");
    await store.delete("nixos/unstable/r1/git-revision");
    expect(await store.head("nixos/unstable/r1/git-revision")).toBeNull();
    expect(await store.get("nixos/unstable/r1/git-revision")).toBeNull();
    expect(await store.list("nixos/unstable/r1")).toEqual(["nixos/unstable/r1/index.html"]);
    expect(await store.head("nixos/unstable/r10/git-revision")).not.toBeNull();
  });

  it("uploads a file larger than the threshold in parts and reads it back byte for byte", async () => {
    const store = storeWith("mp", small);
    const data = patterned(13 * MiB + 321);
    const digest = sha256(data);
    const put = await store.put("nixos/r/nixexprs.tar.xz", streamOf(data, 256 * 1024), {
      expectedSha256: digest,
    });
    expect(put).toEqual({ size: data.byteLength, sha256: digest });
    expect(requestsLike(/^PUT .*partNumber=\d/).length).toBe(3);
    expect(requestsLike(/^POST .*uploadId=/)).toHaveLength(1);
    expect(await store.head("nixos/r/nixexprs.tar.xz")).toEqual({
      size: data.byteLength,
      etag: digest,
      contentType: "application/octet-stream",
    });
    const got = await store.get("nixos/r/nixexprs.tar.xz");
    expect(got && sha256(await bytes(got.body))).toBe(digest);
    const across = await store.get("nixos/r/nixexprs.tar.xz", {
      start: 5 * MiB - 2,
      end: 5 * MiB + 1,
    });
    expect(across && (await bytes(across.body))).toEqual(data.subarray(5 * MiB - 2, 5 * MiB + 2));
  });

  it("skips an upload whose object is already stored with the same sha256", async () => {
    const store = storeWith("skip", small);
    const data = patterned(7 * MiB);
    const digest = sha256(data);
    await store.put("r/big.iso", streamOf(data, MiB), { expectedSha256: digest });
    await store.put("r/src-url", "https://hydra.nixos.org/eval/1");
    s3.requests.length = 0;

    let pulled = 0;
    const counting = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(data.subarray(0, MiB));
      },
    });
    expect(await store.put("r/big.iso", counting, { expectedSha256: digest })).toEqual({
      size: data.byteLength,
      sha256: digest,
    });
    expect(await store.put("r/src-url", "https://hydra.nixos.org/eval/1")).toEqual({
      size: 30,
      sha256: sha256("https://hydra.nixos.org/eval/1"),
    });
    expect(s3.requests.map((r) => r.method)).toEqual(["HEAD", "HEAD"]);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("aborts a multipart upload when S3 keeps failing a part, and keeps the object it had", async () => {
    const store = storeWith("fault", small);
    const old = patterned(7 * MiB);
    await store.put("r/nixexprs.tar.xz", streamOf(old, MiB));
    s3.requests.length = 0;
    s3.fail({ method: "PUT", url: /partNumber=2&/, status: 500, times: 100 });

    const data = patterned(12 * MiB).map((b) => b ^ 0xff);
    const err = await store
      .put("r/nixexprs.tar.xz", streamOf(data, MiB), { expectedSha256: sha256(data) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe(
      "S3 part 2 upload of fault/r/nixexprs.tar.xz failed: 500 InternalError: We encountered an internal error. Please try again.",
    );
    expect((err as AppError).retryable).toBe(true);
    // aws4fetch retried the part 3 times before giving up; then the upload was aborted.
    expect(requestsLike(/^PUT .*partNumber=2&/)).toHaveLength(4);
    expect(requestsLike(/^DELETE .*uploadId=/)).toHaveLength(1);
    expect(requestsLike(/^POST .*uploadId=/)).toHaveLength(0);
    const kept = await store.get("r/nixexprs.tar.xz");
    expect(kept && sha256(await bytes(kept.body))).toBe(sha256(old));
  });

  it("rides out a single S3 500 on a part with a retry", async () => {
    const store = storeWith("retry", small);
    s3.fail({ method: "PUT", url: /partNumber=1&/, status: 503, times: 1 });
    const data = patterned(11 * MiB);
    const put = await store.put("r/nixexprs.tar.xz", streamOf(data, MiB), {
      expectedSha256: sha256(data),
    });
    expect(put.sha256).toBe(sha256(data));
    expect(requestsLike(/^PUT .*partNumber=1&/).map((r) => r.status)).toEqual([503, 200]);
  });

  it("stores nothing when the bytes do not hash to the expected sha256", async () => {
    const store = storeWith("integrity", small);
    for (const size of [MiB, 8 * MiB]) {
      const err = await store
        .put(`r/corrupt-${size}`, streamOf(patterned(size), MiB), {
          expectedSha256: "0".repeat(64),
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect(await store.head(`r/corrupt-${size}`)).toBeNull();
    }
  });

  it("refuses keys that are not safe relative paths", async () => {
    const store = storeWith("");
    await expect(store.put("../escape", "x")).rejects.toMatchObject({ code: "BAD_KEY" });
    await expect(store.head("/abs")).rejects.toMatchObject({ code: "BAD_KEY" });
  });
});
