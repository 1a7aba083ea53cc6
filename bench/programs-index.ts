// programs.sqlite: what building it costs, and what it would cost for nixpkgs.
// 1. The simulator's channel, end to end as a release does it (unpack, nix-env for two systems,
//    every output's .ls from the fake binary cache, Programs table, both tarballs repacked): wall
//    time and binary-cache requests, paced at FLOODGATE_BINARY_CACHE_RPS (default 100).
// 2. Listings alone at scale (N synthetic store paths with zstd listings, no pacing): how many
//    listings a second floodgate decodes and indexes, i.e. whether it keeps up with the pace.
// 3. The projection for nixpkgs: ≈120k store paths per system, two systems, at that pace.
// Run: npx tsx bench/programs-index.ts [N synthetic paths, default 2000]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRateLimiter } from "../src/hydra/rate-limiter.ts";
import { jsonLogger, silentLogger } from "../src/log.ts";
import { createBinaryCache } from "../src/publish/binary-cache.ts";
import { createNodeCodec } from "../src/publish/codec.node.ts";
import { createFsStore } from "../src/publish/fs-store.node.ts";
import { indexPrograms, type PackageOutputs } from "../src/publish/programs/index-programs.ts";
import { memoryListingJournal } from "../src/publish/programs/listing-journal.ts";
import { createNodeProgramsIndexer } from "../src/publish/programs/programs-indexer.node.ts";
import { readListingPrograms } from "../src/publish/programs/read-listing.ts";
import { startFakeBinaryCache } from "../src/sim/fake-binary-cache.node.ts";
import { fakeStoreHash } from "../src/sim/hydra-store.ts";
import type { NarTree } from "../src/sim/nar-writer.ts";
import { makeNixexprsTarballs } from "../src/sim/nixexprs.node.ts";
import { simDefaultNix, simOutputs } from "../src/sim/sim-packages.ts";

const rps = Number(process.env.FLOODGATE_BINARY_CACHE_RPS ?? 100);
const synthetic = Number(process.argv[2] ?? 2000);
const CONCURRENCY = 16; // as src/entry/runtime.node.ts
const NIXPKGS_PATHS = 120_000 * 2;
const REVISION = "0123456789abcdef0123456789abcdef01234567";
const RELEASE = "nixos-26.11pre100003.0123456789ab";
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dir = await mkdtemp(join(tmpdir(), "floodgate-programs-bench-"));
const fake = await startFakeBinaryCache();
try {
  // 1. The simulator's channel, as a release builds it.
  const outputs = simOutputs(REVISION);
  for (const o of outputs) fake.add(o.storePath, o.tree, { listing: o.listing });
  const tarballs = await makeNixexprsTarballs(RELEASE, {
    "default.nix": simDefaultNix("hi", outputs),
    ".git-revision": REVISION,
  });
  const store = createFsStore(join(dir, "store"));
  const stored = [];
  for (const [name, bytes] of [
    ["nixexprs.tar.xz", tarballs.xz],
    ["nixexprs.tar.zst", tarballs.zst],
  ] as const) {
    const put = await store.put(`r/${name}`, bytes);
    stored.push({ file: { name, ...put }, sha256: put.sha256, path: "/nix/store/x" });
  }
  const cache = createBinaryCache({ baseUrl: fake.url, userAgent: "bench" });
  const phases: { msg: string; at: number }[] = [];
  const logger = jsonLogger((line) => {
    const { msg } = JSON.parse(line) as { msg: string };
    phases.push({ msg, at: performance.now() });
  });
  const indexer = createNodeProgramsIndexer({
    cache,
    codec: createNodeCodec(),
    logger,
    workDir: join(dir, "work"),
    requestsPerSecond: rps,
    concurrency: CONCURRENCY,
  });
  await warm(outputs.map((o) => o.storePath));
  const fakeBefore = fake.requests.length;
  const started = performance.now();
  const { report } = await indexer.indexAndRepack({
    channel: "nixos-unstable",
    release: RELEASE,
    store,
    stored,
    key: (file) => `r/${file}`,
    onProgress: async () => {},
  });
  const total = performance.now() - started;
  const at = (msg: string) => (phases.find((p) => p.msg === msg)?.at ?? started) - started;
  const evaluated = phases.filter((p) => p.msg === "expression evaluated").at(-1)?.at ?? started;
  console.log(`1. simulator channel (${RELEASE}), FLOODGATE_BINARY_CACHE_RPS=${rps}`);
  console.log(
    `   total ${seconds(total)}: unpack + nix-env (2 systems) ${seconds(evaluated - started)}, ` +
      `listings + programs.sqlite ${seconds(at("programs index built") - (evaluated - started))}, ` +
      `repack (xz + zstd -19) ${seconds(total - at("programs index built"))}`,
  );
  console.log(
    `   ${report.storePaths} store paths, ${fake.requests.length - fakeBefore} binary-cache requests ` +
      `(all .ls), ${report.missing} without a listing, ${report.programs} Programs rows`,
  );

  // 2. Listings alone, unpaced: floodgate's own cost per listing.
  const paths: PackageOutputs[] = [];
  for (let i = 0; i < synthetic; i++) {
    const storePath = `/nix/store/${fakeStoreHash(`bench-${i}`)}-pkg-${i}`;
    fake.add(storePath, packageTree(i), { listing: i % 5 === 0 ? "br" : "zstd" });
    paths.push({ attrPath: `pkg${i}`, system: "x86_64-linux", outputs: [storePath] });
  }
  console.log(
    `2. ${synthetic} synthetic listings (80% zstd, 20% brotli), no pacing, ${CONCURRENCY} in flight`,
  );
  const warmStart = performance.now();
  await warm(paths.flatMap((p) => p.outputs));
  console.log(
    `   (the fake cache encoded ${synthetic} listings in ${seconds(performance.now() - warmStart)}, not counted)`,
  );
  const codec = createNodeCodec();
  const readAll = async (limit: number) => {
    const t0 = performance.now();
    const sentBefore = cache.requests();
    const run = await indexPrograms(
      {
        readListing: (p) => readListingPrograms({ cache, codec }, p),
        journal: memoryListingJournal(),
        limiter: createRateLimiter({ requestsPerSecond: limit }),
        concurrency: CONCURRENCY,
        logger: silentLogger,
      },
      paths,
    );
    return { ms: performance.now() - t0, requests: cache.requests() - sentBefore, run };
  };
  const unpaced = await readAll(1_000_000);
  const perSecond = synthetic / (unpaced.ms / 1000);
  console.log(
    `   ${seconds(unpaced.ms)}, ${unpaced.requests} requests: ${perSecond.toFixed(0)} listings/s ` +
      `(${(perSecond / rps).toFixed(1)}× the ${rps}/s pace)`,
  );
  const pacedCount = Math.min(synthetic, rps * 5);
  const pacedPaths = paths.slice(0, pacedCount);
  const t1 = performance.now();
  await indexPrograms(
    {
      readListing: (p) => readListingPrograms({ cache, codec }, p),
      journal: memoryListingJournal(),
      limiter: createRateLimiter({ requestsPerSecond: rps }),
      concurrency: CONCURRENCY,
      logger: silentLogger,
    },
    pacedPaths,
  );
  const pacedMs = performance.now() - t1;
  console.log(
    `   paced at ${rps}/s: ${pacedCount} listings in ${seconds(pacedMs)} (${(pacedCount / (pacedMs / 1000)).toFixed(0)}/s)`,
  );

  // 3. Projection.
  const projected = NIXPKGS_PATHS / Math.min(rps, perSecond);
  console.log(
    `3. nixpkgs projection: ${NIXPKGS_PATHS} store paths (≈120k per system × 2), one .ls request each`,
  );
  console.log(
    `   first build ≈ ${NIXPKGS_PATHS} requests, ${(projected / 60).toFixed(0)} min at ${rps}/s; ` +
      "a later release fetches only paths not in the journal (changed paths / pace); " +
      "nix-env evaluation of nixpkgs (minutes, GiBs) not included: not measurable offline",
  );
} finally {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Asks the fake cache for each listing once, untimed: it encodes a listing on its first request
 * with a zstd process, in this process's event loop, which is the simulator's cost, not floodgate's.
 */
async function warm(storePaths: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < storePaths.length) {
      const path = storePaths[next++] ?? "";
      const url = `${fake.url}/${path.slice(11, 43)}.ls`;
      // One retry: a loaded machine may reset a connection while the fake cache encodes.
      await fetch(url)
        .catch(() => fetch(url))
        .then((res) => res.arrayBuffer());
    }
  };
  await Promise.all(Array.from({ length: 2 }, worker));
}

/** A package as most are: a few commands in bin/ and some files elsewhere. */
function packageTree(i: number): NarTree {
  const file = (executable: boolean): NarTree => ({
    type: "regular",
    executable,
    contents: new Uint8Array(0),
  });
  const bin: Record<string, NarTree> = {};
  for (let b = 0; b < 1 + (i % 4); b++) bin[`cmd-${i}-${b}`] = file(true);
  const share: Record<string, NarTree> = {};
  for (let s = 0; s < 20; s++) share[`doc-${s}.html`] = file(false);
  return {
    type: "directory",
    entries: {
      bin: { type: "directory", entries: bin },
      share: { type: "directory", entries: { doc: { type: "directory", entries: share } } },
    },
  };
}
