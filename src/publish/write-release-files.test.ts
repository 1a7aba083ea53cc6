import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IntegrityError } from "../errors.ts";
import type { HydraApi } from "../hydra/hydra-api.ts";
import { HydraBuild } from "../hydra/schemas.ts";
import { silentLogger } from "../log.ts";
import type { BlobStore } from "./blob-store.ts";
import { createFsStore } from "./fs-store.node.ts";
import { type ReleaseToWrite, writeReleaseFiles } from "./write-release-files.ts";

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const TARBALL = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
const PACKAGES = new TextEncoder().encode('{"packages":{}}');
const REV = "643809054d6578d8a5d4e6a8b6d0f7c2b7f3c1aa";

interface Product {
  name: string;
  subtype: string;
  bytes: Uint8Array;
  sha256hash?: string | null;
}

/** Just enough of Hydra: one build with products, and their bytes; counts downloads. */
function fakeHydra(products: Product[]) {
  const downloads: string[] = [];
  const unused = () => Promise.reject(new Error("not used by writeReleaseFiles"));
  const build = HydraBuild.parse({
    id: 4242,
    finished: 1,
    project: "nixpkgs",
    jobset: "trunk",
    job: "tarball",
    system: "x86_64-linux",
    buildstatus: 0,
    jobsetevals: [1812345],
    buildproducts: Object.fromEntries(
      products.map((p, i) => [
        String(i + 1),
        {
          type: "file",
          subtype: p.subtype,
          name: p.name,
          path: `/nix/store/xxx-tarball/tarballs/${p.name}`,
          defaultpath: "",
          filesize: p.bytes.byteLength,
          sha256hash: p.sha256hash === undefined ? sha256(p.bytes) : p.sha256hash,
        },
      ]),
    ),
  });
  const hydra: HydraApi = {
    latestFinished: unused,
    latestBuilds: unused,
    build: async () => build,
    constituents: unused,
    evaluation: unused,
    evalJobBuildId: async (_evalId, job) => (job === "tarball" ? 4242 : null),
    storePaths: async () => ["/nix/store/b-two", "/nix/store/a-one", "/nix/store/b-two"],
    jobsets: unused,
    async download(buildId, productNr, name) {
      downloads.push(`${buildId}/${productNr}/${name}`);
      const product = products[Number(productNr) - 1];
      if (!product) throw new Error(`no product ${productNr}`);
      const bytes = product.bytes;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 1000));
          controller.enqueue(bytes.slice(1000));
          controller.close();
        },
      });
    },
    buildUrl: (id) => `https://hydra.example/build/${id}`,
    evalUrl: (id) => `https://hydra.example/eval/${id}`,
  };
  return { hydra, downloads };
}

const release: ReleaseToWrite = {
  channel: "nixpkgs-unstable",
  name: "nixpkgs-26.11pre1032970.643809054d65",
  revision: REV,
  evalId: 1812345,
  products: [
    { job: "tarball", subtype: "source-dist", suffix: ".tar.xz", file: "nixexprs.tar.xz" },
    { job: "tarball", subtype: "json-br", file: "packages.json.br" },
    { job: "nixos.options", subtype: "json-br", file: "options.json.br" },
  ],
  revisionCommittedAt: new Date("2026-08-21T09:00:00Z"),
  publishedAt: new Date("2026-08-22T14:03:05Z"),
};
const tarballOnly: ReleaseToWrite = { ...release, products: release.products.slice(0, 1) };
const prefix = "nixpkgs/nixpkgs-26.11pre1032970.643809054d65";

describe("writeReleaseFiles", () => {
  let root: string;
  let store: BlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "floodgate-release-"));
    store = createFsStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const readText = async (file: string) => {
    const got = await store.get(`${prefix}/${file}`);
    return got ? new Response(got.body).text() : null;
  };

  it("writes the tarball, its checksum, the text files and the index", async () => {
    const { hydra, downloads } = fakeHydra([
      { name: "nixexprs.tar.xz", subtype: "source-dist", bytes: TARBALL },
    ]);
    const { files } = await writeReleaseFiles({ hydra, store, logger: silentLogger }, tarballOnly);

    expect(downloads).toEqual(["4242/1/nixexprs.tar.xz"]);
    expect(files.map((f) => f.name)).toEqual([
      "binary-cache-url",
      "git-revision",
      "nixexprs.tar.xz",
      "nixexprs.tar.xz.sha256",
      "src-url",
    ]);
    expect(files.find((f) => f.name === "nixexprs.tar.xz")).toEqual({
      name: "nixexprs.tar.xz",
      size: TARBALL.byteLength,
      sha256: sha256(TARBALL),
    });
    expect(await readText("git-revision")).toBe(REV);
    expect(await readText("src-url")).toBe("https://hydra.example/eval/1812345");
    expect(await readText("binary-cache-url")).toBe("https://cache.nixos.org");
    expect(await readText("nixexprs.tar.xz.sha256")).toBe(`${sha256(TARBALL)}  nixexprs.tar.xz`);
    const index = await readText("index.html");
    expect(index).toContain("nixpkgs-unstable release nixpkgs-26.11pre1032970.643809054d65");
    expect(index).toContain(`href="nixpkgs-26.11pre1032970.643809054d65/nixexprs.tar.xz"`);
    expect(index).toContain(sha256(TARBALL));
  });

  it("fetches nothing again on a second run and returns the same listing", async () => {
    const { hydra, downloads } = fakeHydra([
      { name: "nixexprs.tar.xz", subtype: "source-dist", bytes: TARBALL },
      { name: "packages.json.br", subtype: "json-br", bytes: PACKAGES },
    ]);
    const deps = { hydra, store, logger: silentLogger };
    const first = await writeReleaseFiles(deps, release);
    expect(downloads).toHaveLength(2);
    const second = await writeReleaseFiles(deps, release);
    expect(downloads).toHaveLength(2);
    expect(second).toEqual(first);
    expect(first.files.map((f) => f.name)).toContain("packages.json.br");
  });

  it("resumes after a crash without downloading files already stored", async () => {
    const { hydra, downloads } = fakeHydra([
      { name: "nixexprs.tar.xz", subtype: "source-dist", bytes: TARBALL },
    ]);
    await store.put(`${prefix}/nixexprs.tar.xz`, TARBALL);
    await writeReleaseFiles({ hydra, store, logger: silentLogger }, tarballOnly);
    expect(downloads).toEqual([]);
    expect(await store.head(`${prefix}/index.html`)).not.toBeNull();
  });

  it("refuses a tarball whose sha256 differs from Hydra's and writes no index", async () => {
    const { hydra } = fakeHydra([
      { name: "nixexprs.tar.xz", subtype: "source-dist", bytes: TARBALL, sha256hash: sha256("x") },
    ]);
    await expect(
      writeReleaseFiles({ hydra, store, logger: silentLogger }, release),
    ).rejects.toBeInstanceOf(IntegrityError);
    expect(await store.head(`${prefix}/nixexprs.tar.xz`)).toBeNull();
    expect(await store.head(`${prefix}/index.html`)).toBeNull();
    const left = await readdir(join(root, prefix));
    expect(left.filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("explains a build without the tarball or without its hash", async () => {
    const noTarball = fakeHydra([
      { name: "packages.json.br", subtype: "json-br", bytes: PACKAGES },
    ]);
    await expect(
      writeReleaseFiles({ hydra: noTarball.hydra, store, logger: silentLogger }, release),
    ).rejects.toMatchObject({ code: "RELEASE_PRODUCT_MISSING" });
    const noHash = fakeHydra([
      { name: "nixexprs.tar.xz", subtype: "source-dist", bytes: TARBALL, sha256hash: null },
    ]);
    await expect(
      writeReleaseFiles({ hydra: noHash.hydra, store, logger: silentLogger }, release),
    ).rejects.toMatchObject({ code: "RELEASE_PRODUCT_UNHASHED" });
    expect(noHash.downloads).toEqual([]);
  });
});
