import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, IntegrityError } from "../errors.ts";
import type { BlobStore } from "./blob-store.ts";
import { createFsStore } from "./fs-store.node.ts";

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

function streamOf(chunks: string[], failAfter?: Error): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (failAfter) controller.error(failAfter);
      else controller.close();
    },
  });
}

async function listAll(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe("createFsStore", () => {
  let root: string;
  let store: BlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-fs-store-"));
    store = createFsStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("stores a streamed object and reports its size, sha256 and content type", async () => {
    const put = await store.put("nixos/unstable/r/nixexprs.tar.xz", streamOf(["hello ", "world"]));
    expect(put).toEqual({ size: 11, sha256: sha256("hello world") });
    expect(await readFile(join(root, "nixos/unstable/r/nixexprs.tar.xz"), "utf8")).toBe(
      "hello world",
    );
    expect(await store.head("nixos/unstable/r/nixexprs.tar.xz")).toEqual({
      size: 11,
      etag: sha256("hello world"),
      contentType: "application/octet-stream",
      lastModified: expect.any(Date),
    });
    const got = await store.get("nixos/unstable/r/nixexprs.tar.xz");
    expect(got && (await text(got.body))).toBe("hello world");
  });

  it("names text files, index pages and other files with their content types", async () => {
    await store.put("r/git-revision", "abc");
    await store.put("r/index.html", "<html></html>");
    await store.put("r/nixexprs.tar.xz.sha256", "x  nixexprs.tar.xz");
    await store.put("r/blob.bin", new Uint8Array([1, 2, 3]));
    expect((await store.head("r/git-revision"))?.contentType).toBe("text/plain; charset=utf-8");
    expect((await store.head("r/index.html"))?.contentType).toBe("text/html; charset=utf-8");
    expect((await store.head("r/nixexprs.tar.xz.sha256"))?.contentType).toMatch(/^text\/plain/);
    expect((await store.head("r/blob.bin"))?.contentType).toBe("application/octet-stream");
  });

  it("accepts a matching expectedSha256", async () => {
    await expect(
      store.put("r/f", "payload", { expectedSha256: sha256("payload").toUpperCase() }),
    ).resolves.toEqual({ size: 7, sha256: sha256("payload") });
  });

  it("refuses a wrong sha256 and leaves no object and no temp file", async () => {
    const err = await store
      .put("r/nixexprs.tar.xz", streamOf(["corrupt"]), { expectedSha256: sha256("good") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(await store.head("r/nixexprs.tar.xz")).toBeNull();
    expect(await listAll(root)).toEqual(["r"]);
  });

  it("leaves an existing object untouched when an overwrite fails", async () => {
    await store.put("r/git-revision", "old");
    await expect(
      store.put("r/git-revision", "new", { expectedSha256: "0".repeat(64) }),
    ).rejects.toBeInstanceOf(IntegrityError);
    const upstream = new AppError("HYDRA_DOWNLOAD", "connection reset", { retryable: true });
    await expect(store.put("r/git-revision", streamOf(["ne"], upstream))).rejects.toBe(upstream);
    expect(await store.head("r/git-revision")).toMatchObject({ size: 3, etag: sha256("old") });
    const got = await store.get("r/git-revision");
    expect(got && (await text(got.body))).toBe("old");
    expect((await readdir(join(root, "r"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("reports a write failure as STORAGE_WRITE and cleans up", async () => {
    await store.put("r/file", "x");
    const err = await store.put("r/file/child", "y").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("STORAGE_WRITE");
    expect(await store.head("r/file")).toMatchObject({ size: 1 });
  });

  it("serves byte ranges, clamping the end to the object", async () => {
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
  });

  it("streams objects larger than one read chunk intact", async () => {
    const big = new Uint8Array(1_000_003).map((_, i) => i % 251);
    await store.put("r/big", big);
    const got = await store.get("r/big");
    const bytes = new Uint8Array(await new Response(got?.body).arrayBuffer());
    expect(bytes.byteLength).toBe(big.byteLength);
    expect(sha256(bytes)).toBe(sha256(big));
  });

  it("returns null for missing keys and for directories", async () => {
    await store.put("nixos/unstable/r/index.html", "x");
    expect(await store.head("nixos/unstable/missing")).toBeNull();
    expect(await store.get("nixos/unstable/r")).toBeNull();
    expect(await store.head("nixos/unstable/r")).toBeNull();
  });

  it("returns null for a key longer than the filesystem allows (ENAMETOOLONG)", async () => {
    const key = `${"abcdefghi/".repeat(500)}x`;
    expect(await store.head(key)).toBeNull();
    expect(await store.get(key)).toBeNull();
  });

  it("computes the etag of a file written behind its back and notices a replaced file", async () => {
    await writeFile(join(root, "outside"), "manual");
    expect((await store.head("outside"))?.etag).toBe(sha256("manual"));
    await store.put("swapped", "first");
    await writeFile(join(root, "swapped.new"), "second!");
    await rm(join(root, "swapped"));
    await writeFile(join(root, "swapped"), await readFile(join(root, "swapped.new")));
    expect(await store.head("swapped")).toMatchObject({ size: 7, etag: sha256("second!") });
  });

  it("lists a release folder without its internal files and deletes objects with their folders", async () => {
    await store.put("nixos/unstable/r1/git-revision", "abc");
    await store.put("nixos/unstable/r1/index.html", "<html>");
    await store.put("nixos/unstable/r10/git-revision", "def");
    expect((await store.list("nixos/unstable/r1")).sort()).toEqual([
      "nixos/unstable/r1/git-revision",
      "nixos/unstable/r1/index.html",
    ]);
    expect(await store.list("nixos/unstable/none")).toEqual([]);
    await store.delete("nixos/unstable/r1/git-revision");
    await store.delete("nixos/unstable/r1/git-revision");
    expect(await store.list("nixos/unstable/r1")).toEqual(["nixos/unstable/r1/index.html"]);
    await store.delete("nixos/unstable/r1/index.html");
    // The emptied release folder goes too; its sibling and the channel folder stay.
    expect(await listAll(root)).toEqual([
      "nixos",
      "nixos/unstable",
      "nixos/unstable/r10",
      "nixos/unstable/r10/.git-revision.meta.json",
      "nixos/unstable/r10/git-revision",
    ]);
  });

  it("rejects keys that are absolute, traverse, have empty segments or name internal files", async () => {
    for (const key of ["/etc/passwd", "../x", "a/../../x", "a//b", "", "a/.b.meta.json"]) {
      await expect(store.put(key, "x"), key).rejects.toMatchObject({ code: "BAD_KEY" });
      await expect(store.head(key), key).rejects.toMatchObject({ code: "BAD_KEY" });
    }
  });
});
