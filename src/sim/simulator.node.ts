import type { ChannelSpec } from "../config/channels-file.ts";
import type { Chaos } from "./chaos.ts";
import { type FakeBinaryCache, startFakeBinaryCache } from "./fake-binary-cache.node.ts";
import { type FakeGitHub, startFakeGitHub } from "./fake-github.node.ts";
import { type FakeHydra, startFakeHydra } from "./fake-hydra.node.ts";
import type { FileProductInput } from "./hydra-model-types.ts";
import type { NarTree } from "./nar-writer.ts";
import { simReleaseProducts } from "./release-products.node.ts";
import { simDefaultNix, simOutputs } from "./sim-packages.ts";

export interface Simulator {
  hydra: FakeHydra;
  github: FakeGitHub;
  cache: FakeBinaryCache;
  /** The random faults all three inject, when the simulator was started with them. */
  chaos?: Chaos;
  /** Environment that points floodgate at this simulator. */
  env: Record<string, string>;
  /** Creates a Hydra eval of `channel`'s jobset at the head of its source branch. */
  evaluate(channel: ChannelSpec, opts?: { constituents?: string[] }): Promise<SimEval>;
  close(): Promise<void>;
}

export interface SimEval {
  evalId: number;
  aggregateId: number;
  revision: string;
  releaseName: string;
  buildIds: Record<string, number>;
}

export const SIM_TOKEN = "floodgate-simulator-token";

const NIXOS_TESTS = [
  "nixos.tests.boot.uefiCdrom.x86_64-linux",
  "nixos.tests.firewall.x86_64-linux",
  "nixos.tests.installer.simple.x86_64-linux",
  "nixos.tests.networking.scripted.static.aarch64-linux",
  "nixos.iso_minimal.x86_64-linux",
];
const NIXPKGS_JOBS = ["stdenv.x86_64-linux", "nix.x86_64-linux", "stdenv.aarch64-darwin"];

const systemOf = (job: string) => job.slice(job.lastIndexOf(".") + 1);

// Hydra's naming: version + (stable ? "." : "pre") + revCount + "." + shortRev (channel-infra.md §2).
function releaseNameFor(channel: ChannelSpec, revCount: number, sha: string) {
  const collection = channel.name.startsWith("nixpkgs") ? "nixpkgs" : "nixos";
  const stable = channel.sourceBranch.startsWith("release-");
  const version = stable ? channel.sourceBranch.slice("release-".length) : "26.11";
  const suffix = `${stable ? "." : "pre"}${revCount}.${sha.slice(0, 12)}`;
  return { name: `${collection}-${version}${suffix}`, suffix };
}

/** The fake GitHub and the fake Hydra, on loopback, with helpers for scenarios. */
export async function startSimulator(
  opts: { chaos?: Chaos; githubToken?: string } = {},
): Promise<Simulator> {
  const { chaos } = opts;
  const token = opts.githubToken ?? SIM_TOKEN;
  const hydra = await startFakeHydra({ now: () => new Date(), chaos });
  const github = await startFakeGitHub({
    now: () => new Date(),
    token,
    chaos,
    protectedBranches: ["master"],
  });
  const cache = await startFakeBinaryCache({ chaos });
  return {
    hydra,
    github,
    cache,
    ...(chaos ? { chaos } : {}),
    env: {
      FLOODGATE_BINARY_CACHE_URL: cache.url,
      FLOODGATE_HYDRA_URL: hydra.url,
      FLOODGATE_GITHUB_API_URL: github.url,
      FLOODGATE_REPO: "NixOS/nixpkgs",
      GITHUB_TOKEN: token,
      FLOODGATE_HYDRA_RPS: "200",
    },
    async evaluate(channel, opts = {}) {
      const revision = github.model.branchHead(channel.sourceBranch);
      if (!revision) throw new Error(`simulator: no branch ${channel.sourceBranch}`);
      const { name: releaseName, suffix } = releaseNameFor(
        channel,
        github.model.revCount(revision),
        revision,
      );
      const jobs =
        opts.constituents ?? (channel.name.startsWith("nixpkgs") ? NIXPKGS_JOBS : NIXOS_TESTS);
      // Packages whose outputs the cache has, with `.ls` listings for the programs index.
      const packages = simOutputs(revision);
      for (const o of packages) {
        if (!cache.has(o.storePath)) cache.add(o.storePath, o.tree, { listing: o.listing });
      }
      const products = await simReleaseProducts(channel, releaseName, {
        "default.nix": simDefaultNix(`hello from ${releaseName}`, packages),
        ".git-revision": revision,
        ".version-suffix": suffix,
      });
      const constituents = [channel.productJob, ...jobs];
      const created = await hydra.model.createEval({
        project: channel.job.project,
        jobset: channel.job.jobset,
        revision,
        aggregateJob: channel.job.job,
        releaseName,
        productJob: channel.productJob,
        products,
        constituents: constituents.map((job) => ({
          job,
          system: job === channel.productJob ? "x86_64-linux" : systemOf(job),
        })),
        // Product jobs outside the aggregate (nixpkgs.tarball, nixos.options, the other ISOs).
        otherJobs: Object.keys(products)
          .filter((job) => !constituents.includes(job))
          .map((job) => ({ job, system: job.includes("-linux") ? systemOf(job) : "x86_64-linux" })),
      });
      // Hydra's builds are pushed to the binary cache, where the real updater reads products from.
      for (const [job, files] of Object.entries(products)) {
        const build = hydra.model.build(created.buildIds[job] ?? 0);
        if (build) {
          const iso = files.some((f) => f.subtype === "iso");
          cache.add(build.outPath, productTree(files), { compression: iso ? "zstd" : "xz" });
        }
      }
      return { ...created, revision, releaseName };
    },
    async close() {
      await Promise.all([hydra.close(), github.close(), cache.close()]);
    },
  };
}

function productTree(files: FileProductInput[]): NarTree {
  const root: NarTree & { type: "directory" } = { type: "directory", entries: {} };
  for (const file of files) {
    let dir = root;
    if (file.dir) {
      const existing = dir.entries[file.dir];
      const sub: NarTree =
        existing?.type === "directory" ? existing : { type: "directory", entries: {} };
      dir.entries[file.dir] = sub;
      dir = sub;
    }
    dir.entries[file.name] = { type: "regular", contents: file.bytes };
  }
  return root;
}
