import { createHash } from "node:crypto";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntegrityError } from "../../src/errors.ts";
import { createR2Store, type R2BucketLike } from "../../src/publish/r2-store.ts";

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
// safe because getR2Bucket() returns the binding's R2Bucket proxy (typed with workers-types, absent here).
const asR2Bucket = (bucket: unknown) => bucket as R2BucketLike;

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(at, at + chunk));
      at += chunk;
    },
  });
}

/** The store against workerd's own R2 implementation, which enforces R2's real rules. */
describe("createR2Store on Miniflare's R2", () => {
  let mf: Miniflare;
  let bucket: R2BucketLike;
  beforeAll(async () => {
    mf = new Miniflare({
      modules: true,
      script: "export default { fetch: () => new Response(null, { status: 204 }) };",
      compatibilityDate: "2026-04-01",
      r2Buckets: ["RELEASES"],
      cf: false,
      telemetry: { enabled: false },
    });
    bucket = asR2Bucket(await mf.getR2Bucket("RELEASES"));
  }, 60_000);
  afterAll(() => mf?.dispose());

  it("streams a file larger than a part up as a multipart upload and reads it back", async () => {
    const data = new Uint8Array(11 * MiB + 123).map((_, i) => (i * 7) % 256);
    const store = createR2Store(bucket, "releases", { partSize: 5 * MiB });
    const digest = sha256(data);
    const put = await store.put("nixos/r/nixexprs.tar.xz", streamOf(data, 64 * 1024), {
      expectedSha256: digest,
    });
    expect(put).toEqual({ size: data.byteLength, sha256: digest });
    const raw = await bucket.head("releases/nixos/r/nixexprs.tar.xz");
    expect(raw?.etag).toMatch(/-3$/);
    expect(await store.head("nixos/r/nixexprs.tar.xz")).toEqual({
      size: data.byteLength,
      etag: digest,
      contentType: "application/octet-stream",
      lastModified: expect.any(Date),
    });
    const got = await store.get("nixos/r/nixexprs.tar.xz", {
      start: 5 * MiB - 2,
      end: 5 * MiB + 1,
    });
    expect(got && new Uint8Array(await new Response(got.body).arrayBuffer())).toEqual(
      data.subarray(5 * MiB - 2, 5 * MiB + 2),
    );
  });

  it("aborts a multipart upload whose sha256 is wrong, so nothing appears", async () => {
    const store = createR2Store(bucket, "", { partSize: 5 * MiB });
    const data = new Uint8Array(6 * MiB).fill(1);
    const err = await store
      .put("r/corrupt.xz", streamOf(data, MiB), { expectedSha256: "0".repeat(64) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(await bucket.head("r/corrupt.xz")).toBeNull();
  });

  it("lists a release folder and deletes its objects, a missing one without error", async () => {
    const store = createR2Store(bucket, "listed");
    await store.put("nixos/unstable/r1/git-revision", "abc");
    await store.put("nixos/unstable/r1/index.html", "<html>");
    await store.put("nixos/unstable/r10/git-revision", "def");
    expect((await store.list("nixos/unstable/r1")).sort()).toEqual([
      "nixos/unstable/r1/git-revision",
      "nixos/unstable/r1/index.html",
    ]);
    await store.delete("nixos/unstable/r1/git-revision");
    await store.delete("nixos/unstable/r1/git-revision");
    expect(await store.list("nixos/unstable/r1")).toEqual(["nixos/unstable/r1/index.html"]);
    expect(await store.head("nixos/unstable/r10/git-revision")).not.toBeNull();
  });

  it("turns R2's own checksum refusal into an IntegrityError", async () => {
    // Flips a byte between hashing and sending, as a corrupting network would.
    const corrupting: R2BucketLike = {
      ...bucket,
      head: (key) => bucket.head(key),
      put: (key, value, opts) =>
        bucket.put(
          key,
          value.map((b, i) => (i === 0 ? b ^ 1 : b)),
          opts,
        ),
    };
    const err = await createR2Store(corrupting)
      .put("r/git-revision", "0123456789abcdef")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(await bucket.head("r/git-revision")).toBeNull();
  });
});
