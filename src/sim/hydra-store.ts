import type {
  CreatedEval,
  CreateEvalInput,
  HydraModelOptions,
  ModelBuild,
  ModelBuildProduct,
  ModelEval,
} from "./hydra-model-types.ts";

const NIX_BASE32 = "0123456789abcdfghijklmnpqrsvwxyz";
const DEFAULT_START = new Date(Date.UTC(2026, 8, 1, 0, 0, 0));

/** A deterministic, realistic-looking 32-character store hash (not a real Nix hash). */
export function fakeStoreHash(seed: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let out = "";
  for (let i = 0; i < 32; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + i;
    h ^= h >>> 13;
    out += NIX_BASE32[(h >>> 0) % 32];
  }
  return out;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function defaultNixname(job: string, system: string): string {
  const base = job.endsWith(`.${system}`) ? job.slice(0, -system.length - 1) : job;
  return base.replace(/^nixos\.tests\./, "vm-test-run-").replaceAll(".", "-");
}

/** Hydra's tables in memory, and eval creation; `HydraModel` adds builds finishing and the queries. */
export class HydraStore {
  private nowFn: () => Date;
  private nextEvalId: number;
  private nextBuildId: number;
  protected readonly builds = new Map<number, ModelBuild>();
  protected readonly evals = new Map<number, ModelEval>();
  protected readonly jobsets = new Map<string, { project: string; name: string }>();
  private readonly productBytes = new Map<string, Uint8Array>();

  constructor(opts: HydraModelOptions = {}) {
    this.nowFn = opts.now ?? (() => DEFAULT_START);
    this.nextEvalId = opts.firstEvalId ?? 1_830_001;
    this.nextBuildId = opts.firstBuildId ?? 310_000_001;
  }

  now(): Date {
    return this.nowFn();
  }

  /** Pins the clock at `at` (replaces any injected clock). */
  setNow(at: Date): void {
    this.nowFn = () => at;
  }

  advance(seconds: number): void {
    this.setNow(new Date(this.now().getTime() + seconds * 1000));
  }

  protected nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  addJobset(project: string, jobset: string): void {
    const key = `${project}/${jobset}`;
    if (!this.jobsets.has(key)) this.jobsets.set(key, { project, name: jobset });
  }

  /** Creates an eval atomically, as hydra-eval-jobset does: every build, unfinished. */
  async createEval(input: CreateEvalInput): Promise<CreatedEval> {
    const others = input.otherJobs ?? [];
    const jobs = new Set(input.constituents.map((c) => c.job));
    const allJobs = new Set([...jobs, ...others.map((o) => o.job), input.aggregateJob]);
    if (allJobs.size !== input.constituents.length + others.length + 1) {
      throw new Error("createEval: job names must be unique");
    }
    if (input.productJob !== undefined && !jobs.has(input.productJob)) {
      throw new Error(`createEval: productJob ${input.productJob} is not a constituent`);
    }
    const productHash = input.nixexprs ? await sha256Hex(input.nixexprs) : null;
    const fileHashes = new Map<Uint8Array, string>();
    for (const list of Object.values(input.products ?? {})) {
      for (const p of list) fileHashes.set(p.bytes, await sha256Hex(p.bytes));
    }
    // Everything below is synchronous, so the eval appears whole or not at all.
    const now = this.nowSeconds();
    const evalId = this.nextEvalId++;
    const { project, jobset } = input;
    this.addJobset(project, jobset);
    const buildIds: Record<string, number> = {};
    const newBuild = (job: string, system: string, nixname: string): ModelBuild => {
      const id = this.nextBuildId++;
      const outHash = fakeStoreHash(`out:${id}:${job}`);
      const build: ModelBuild = {
        id,
        project,
        jobset,
        job,
        system,
        nixname,
        finished: false,
        buildstatus: null,
        timestamp: now,
        starttime: null,
        stoptime: null,
        evalIds: [evalId],
        products: {},
        hasOutput: false,
        isAggregate: false,
        constituentIds: [],
        priority: 100,
        drvPath: `/nix/store/${fakeStoreHash(`drv:${id}:${job}`)}-${nixname}.drv`,
        outPath: `/nix/store/${outHash}-${nixname}`,
      };
      this.builds.set(id, build);
      buildIds[job] = id;
      return build;
    };
    const constituentIds: number[] = [];
    for (const c of [...input.constituents, ...others]) {
      const build = newBuild(c.job, c.system, c.nixname ?? defaultNixname(c.job, c.system));
      if (jobs.has(c.job)) constituentIds.push(build.id);
      const files = input.products?.[c.job];
      if (files && files.length > 0) {
        files.forEach((file, i) => {
          const dir = file.dir ? `${file.dir}/` : "";
          build.products[String(i + 1)] = {
            type: "file",
            subtype: file.subtype,
            name: file.name,
            path: `${build.outPath}/${dir}${file.name}`,
            sha256hash: fileHashes.get(file.bytes) ?? null,
            filesize: file.bytes.byteLength,
            defaultpath: "",
          };
          this.productBytes.set(`${build.id}/${i + 1}`, file.bytes);
        });
      } else if (c.job === input.productJob && input.nixexprs && productHash) {
        build.products["1"] = {
          type: "file",
          subtype: "source-dist",
          name: "nixexprs.tar.xz",
          path: `${build.outPath}/tarballs/nixexprs.tar.xz`,
          sha256hash: productHash,
          filesize: input.nixexprs.byteLength,
          defaultpath: "",
        };
        this.productBytes.set(`${build.id}/1`, input.nixexprs);
      } else {
        build.products["1"] = {
          type: "nix-build",
          subtype: "",
          name: build.nixname,
          path: build.outPath,
          sha256hash: null,
          filesize: null,
          defaultpath: "",
        };
      }
    }
    const aggregate = newBuild(
      input.aggregateJob,
      input.aggregateSystem ?? "x86_64-linux",
      input.releaseName,
    );
    aggregate.isAggregate = true;
    aggregate.constituentIds = constituentIds;
    const flagInput = project === "nixos" ? "stableBranch" : "officialRelease";
    this.evals.set(evalId, {
      id: evalId,
      project,
      jobset,
      timestamp: now,
      checkouttime: 9,
      evaltime: 2700,
      revision: input.revision,
      inputs: {
        nixpkgs: {
          type: "git",
          uri: "https://github.com/nixos/nixpkgs.git",
          revision: input.revision,
          value: null,
          dependency: null,
        },
        [flagInput]: {
          type: "boolean",
          uri: null,
          revision: null,
          value: "false",
          dependency: null,
        },
        ...input.inputs,
      },
      buildIds: Object.values(buildIds),
      hasnewbuilds: true,
    });
    return { evalId, aggregateId: aggregate.id, buildIds };
  }

  build(id: number): ModelBuild | undefined {
    return this.builds.get(id);
  }

  evaluation(id: number): ModelEval | undefined {
    return this.evals.get(id);
  }

  /** Product bytes, only once Hydra would list the product. */
  product(buildId: number, nr: string): { product: ModelBuildProduct; bytes?: Uint8Array } | null {
    const build = this.builds.get(buildId);
    const product = build?.hasOutput ? build.products[nr] : undefined;
    if (!product) return null;
    return { product, bytes: this.productBytes.get(`${buildId}/${nr}`) };
  }

  protected requireBuild(id: number): ModelBuild {
    const build = this.builds.get(id);
    if (!build) throw new Error(`no build ${id}`);
    return build;
  }
}
