import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../log.ts";
import { type FakeBinaryCache, startFakeBinaryCache } from "../../sim/fake-binary-cache.node.ts";
import { makeNixexprsTarballs } from "../../sim/nixexprs.node.ts";
import { simDefaultNix, simOutputs } from "../../sim/sim-packages.ts";
import { createBinaryCache } from "../binary-cache.ts";
import { createNodeCodec } from "../codec.node.ts";
import { createFsStore } from "../fs-store.node.ts";
import type { StoredProduct } from "../store-product.ts";
import type { IndexProgress } from "./index-programs.ts";
import { createNodeProgramsIndexer } from "./programs-indexer.node.ts";

const RELEASE = "nixos-26.11pre100003.0123456789ab";
const REVISION = "0123456789abcdef0123456789abcdef01234567";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("programs.sqlite and the reproducible repack", () => {
  let dir: string;
  let fake: FakeBinaryCache;
  const products: StoredProduct[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "floodgate-programs-"));
    fake = await startFakeBinaryCache();
    const outputs = simOutputs(REVISION);
    for (const o of outputs) fake.add(o.storePath, o.tree, { listing: o.listing });
    const tarballs = await makeNixexprsTarballs(RELEASE, {
      "default.nix": simDefaultNix("hi", outputs),
      ".git-revision": REVISION,
    });
    for (const [name, bytes] of [
      ["nixexprs.tar.xz", tarballs.xz],
      ["nixexprs.tar.zst", tarballs.zst],
    ] as const) {
      const file = { name, size: bytes.byteLength, sha256: sha256(bytes) };
      products.push({ file, sha256: file.sha256, path: "/nix/store/x" });
    }
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Stores Hydra's tarballs in a fresh storage dir and runs the indexer over them. */
  async function repack(name: string, workDir: string, release = RELEASE) {
    const root = join(dir, name);
    const store = createFsStore(root);
    const tarballs = await makeNixexprsTarballs(RELEASE, {
      "default.nix": simDefaultNix("hi", simOutputs(REVISION)),
      ".git-revision": REVISION,
    });
    await store.put("r/nixexprs.tar.xz", tarballs.xz);
    await store.put("r/nixexprs.tar.zst", tarballs.zst);
    const codec = createNodeCodec();
    const cache = createBinaryCache({ baseUrl: fake.url, userAgent: "test" });
    const indexer = createNodeProgramsIndexer({
      cache,
      codec,
      logger: silentLogger,
      workDir,
      requestsPerSecond: 500,
      concurrency: 4,
    });
    const progress: IndexProgress[] = [];
    const listingsBefore = fake.requests.filter((r) => r.endsWith(".ls")).length;
    const result = await indexer.indexAndRepack({
      channel: "nixos-unstable",
      release,
      store,
      stored: products,
      key: (file) => `r/${file}`,
      onProgress: async (p) => {
        progress.push(p);
      },
    });
    const listingRequests = fake.requests.filter((r) => r.endsWith(".ls")).length - listingsBefore;
    return { ...result, root, progress, listingRequests };
  }

  it("repacks byte for byte the same twice, GNU tar with owner 0 and the 1980 mtime", async () => {
    const first = await repack("one", join(dir, "work-one"));
    const second = await repack("two", join(dir, "work-two"));
    expect(first.replaced.map((f) => f.name)).toEqual(["nixexprs.tar.xz", "nixexprs.tar.zst"]);
    expect(second.replaced).toEqual(first.replaced);
    expect(first.replaced[0]?.sha256).not.toBe(products[0]?.sha256);

    const file = join(first.root, "r/nixexprs.tar.xz");
    expect(sha256(execFileSync("cat", [file]))).toBe(first.replaced[0]?.sha256);
    const listing = execFileSync("tar", ["-tvJf", file], { encoding: "utf8" }).trim().split("\n");
    expect(listing).toContainEqual(expect.stringContaining(`${RELEASE}/programs.sqlite`));
    for (const line of listing) expect(line).toMatch(/^\S+ 0\/0 +\d+ 1980-01-01 00:00 /);
    const names = listing.map((l) => l.slice(l.indexOf(RELEASE)));
    expect(names).toEqual([...names].sort());
    const zst = execFileSync("tar", ["--zstd", "-tf", join(first.root, "r/nixexprs.tar.zst")], {
      encoding: "utf8",
    });
    expect(zst.trim().split("\n")).toEqual(names);
  });

  it("answers command-not-found's query; outputs with no .ls are counted as skipped", async () => {
    const run = await repack("query", join(dir, "work-query"));
    const out = join(dir, "unpacked");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xJf", join(run.root, "r/nixexprs.tar.xz"), "-C", out]);
    const db = join(out, RELEASE, "programs.sqlite");
    const query = (system: string, name: string) =>
      execFileSync(
        "sqlite3",
        [db, `select package from Programs where system = '${system}' and name = '${name}'`],
        {
          encoding: "utf8",
        },
      ).trim();
    expect(query("x86_64-linux", "hello")).toBe("hello");
    expect(query("aarch64-linux", "black")).toBe("python3Packages.black");
    expect(query("x86_64-linux", "git-upload-pack")).toBe("git"); // a symlink in bin/
    expect(query("x86_64-linux", "ls")).toBe("coreutils"); // brotli listing
    expect(query("x86_64-linux", "README")).toBe(""); // not executable
    expect(query("x86_64-linux", ".hidden")).toBe("");
    expect(query("x86_64-linux", "ghostty")).toBe(""); // no listing in the cache
    expect(run.report).toMatchObject({
      systems: ["aarch64-linux", "x86_64-linux"],
      storePaths: 12,
      missing: 2,
      unreadable: 0,
      programs: 12,
    });
    expect(run.progress.at(-1)).toEqual({ done: 12, total: 12, skipped: 2 });
  });

  it("resumes from its journal: a re-run fetches no listing again, a new release only the missing", async () => {
    const workDir = join(dir, "work-resume");
    const first = await repack("resume-1", workDir);
    expect(first.listingRequests).toBe(12);
    const again = await repack("resume-2", workDir);
    expect(again.listingRequests).toBe(0);
    expect(again.report.reused).toBe(12);
    expect(again.replaced).toEqual(first.replaced);
    const next = await repack("resume-3", workDir, "nixos-26.11pre100004.0123456789ab");
    expect(next.listingRequests).toBe(2);
  });

  it("refuses a tarball without a single top directory", async () => {
    const root = join(dir, "bad");
    const store = createFsStore(root);
    const tree = join(dir, "bad-tree");
    execFileSync("mkdir", ["-p", join(tree, "a"), join(tree, "b")]);
    await writeFile(join(tree, "a", "default.nix"), "{ }");
    const bytes = execFileSync("sh", ["-c", `tar -C ${tree} -c a b | xz -c`]);
    await store.put("r/nixexprs.tar.xz", new Uint8Array(bytes));
    const indexer = createNodeProgramsIndexer({
      cache: createBinaryCache({ baseUrl: fake.url, userAgent: "test" }),
      codec: createNodeCodec(),
      logger: silentLogger,
      workDir: join(dir, "work-bad"),
      requestsPerSecond: 500,
      concurrency: 1,
    });
    const stored = products.slice(0, 1);
    await expect(
      indexer.indexAndRepack({
        channel: "c",
        release: RELEASE,
        store,
        stored,
        key: (file) => `r/${file}`,
        onProgress: async () => {},
      }),
    ).rejects.toMatchObject({ code: "NIXEXPRS_LAYOUT" });
  });
});
