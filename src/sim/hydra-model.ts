/**
 * State and semantics of a fake Hydra instance, without I/O: evals, builds, aggregates and the
 * queries behind Hydra's endpoints (latest, latest-finished, latestbuilds, jobset overview).
 * Semantics follow reference/hydra-api.md §2–§4 (restart keeps buildstatus, aggregates end with 2).
 */

export interface ModelBuildProduct {
  type: string;
  subtype: string;
  name: string;
  path: string;
  sha256hash: string | null;
  filesize: number | null;
  defaultpath: string;
}

export interface ModelBuild {
  id: number;
  project: string;
  jobset: string;
  job: string;
  system: string;
  nixname: string;
  finished: boolean;
  /** Only meaningful when `finished`; a restarted build keeps its old value, as in Hydra. */
  buildstatus: number | null;
  timestamp: number;
  starttime: number | null;
  stoptime: number | null;
  evalIds: number[];
  /** Products Hydra will list once the build has produced output (see `hasOutput`). */
  products: Record<string, ModelBuildProduct>;
  /** Hydra registers products when a build first completes with output (status 0 or 6). */
  hasOutput: boolean;
  isAggregate: boolean;
  constituentIds: number[];
  priority: number;
  drvPath: string;
  outPath: string;
}

export interface ModelEvalInput {
  type: string;
  uri: string | null;
  revision: string | null;
  value: string | null;
  dependency: number | null;
}

export interface ModelEval {
  id: number;
  project: string;
  jobset: string;
  timestamp: number;
  checkouttime: number;
  evaltime: number;
  revision: string;
  inputs: Record<string, ModelEvalInput>;
  buildIds: number[];
  hasnewbuilds: boolean;
}

export interface ConstituentSpec {
  job: string;
  system: string;
  nixname?: string;
}

export interface CreateEvalInput {
  project: string;
  jobset: string;
  /** 40-hex nixpkgs revision of the eval. */
  revision: string;
  aggregateJob: string;
  /** The aggregate's nixname, e.g. "nixos-26.11pre100003.0123456789ab". */
  releaseName: string;
  constituents: ConstituentSpec[];
  /** Members of the eval outside the aggregate (a real nixpkgs eval has ~250k of them). */
  otherJobs?: ConstituentSpec[];
  aggregateSystem?: string;
  /** The constituent whose build carries `nixexprs.tar.xz` (e.g. "nixos.channel", "tarball"). */
  productJob?: string;
  nixexprs?: Uint8Array;
  /** Extra or replacement jobset inputs (merged over the defaults). */
  inputs?: Record<string, ModelEvalInput>;
}

export interface CreatedEval {
  evalId: number;
  aggregateId: number;
  /** Build id of every job of the eval, the aggregate included. */
  buildIds: Record<string, number>;
}

export interface BuildFilters {
  project?: string;
  jobset?: string;
  job?: string;
  system?: string;
}

export interface JobsetOverviewRow {
  project: string;
  name: string;
  nrscheduled: number;
  nrsucceeded: number;
  nrfailed: number;
  nrtotal: number;
  lastcheckedtime: number | null;
}

export interface HydraModelOptions {
  now?: () => Date;
  firstEvalId?: number;
  firstBuildId?: number;
}

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

export class HydraModel {
  private nowFn: () => Date;
  private nextEvalId: number;
  private nextBuildId: number;
  private readonly builds = new Map<number, ModelBuild>();
  private readonly evals = new Map<number, ModelEval>();
  private readonly jobsets = new Map<string, { project: string; name: string }>();
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

  private nowSeconds(): number {
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
      if (c.job === input.productJob && input.nixexprs && productHash) {
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

  private requireBuild(id: number): ModelBuild {
    const build = this.builds.get(id);
    if (!build) throw new Error(`no build ${id}`);
    return build;
  }

  finishBuild(id: number, buildstatus: number, opts: { durationSec?: number } = {}): void {
    const build = this.requireBuild(id);
    if (build.finished) throw new Error(`build ${id} is already finished`);
    this.complete(build, buildstatus, opts.durationSec ?? 300);
    this.settleAggregatesOf(id);
  }

  private complete(build: ModelBuild, buildstatus: number, durationSec: number): void {
    const stop = this.nowSeconds();
    build.finished = true;
    build.buildstatus = buildstatus;
    build.stoptime = stop;
    build.starttime = Math.max(build.timestamp, stop - durationSec);
    if (buildstatus === 0 || buildstatus === 6) build.hasOutput = true;
  }

  private aggregatesOf(id: number): ModelBuild[] {
    return [...this.builds.values()].filter((b) => b.isAggregate && b.constituentIds.includes(id));
  }

  private settleAggregatesOf(id: number): void {
    for (const aggregate of this.aggregatesOf(id)) this.settleAggregate(aggregate);
  }

  private settleAggregate(aggregate: ModelBuild, override?: number): void {
    if (aggregate.finished) return;
    const members = aggregate.constituentIds.map((c) => this.requireBuild(c));
    if (!members.every((m) => m.finished)) return;
    const status = override ?? (members.every((m) => m.buildstatus === 0) ? 0 : 2);
    this.complete(aggregate, status, 5);
  }

  /** Like Hydra's restart: `finished` goes back to 0, buildstatus and times are kept. */
  restartBuild(id: number): void {
    const build = this.requireBuild(id);
    if (!build.finished) return;
    build.finished = false;
    for (const aggregate of this.aggregatesOf(id)) {
      if (aggregate.finished) aggregate.finished = false;
    }
  }

  /** Finishes every unfinished build of the eval: status 0 unless overridden per job. */
  finishEval(evalId: number, overrides: Record<string, number> = {}): void {
    const ev = this.evals.get(evalId);
    if (!ev) throw new Error(`no eval ${evalId}`);
    const members = ev.buildIds.map((id) => this.requireBuild(id));
    for (const b of members) {
      if (!b.finished && !b.isAggregate) this.complete(b, overrides[b.job] ?? 0, 300);
    }
    for (const b of members) {
      if (b.isAggregate) this.settleAggregate(b, overrides[b.job]);
    }
  }

  private inJob(b: ModelBuild, project: string, jobset: string, job: string): boolean {
    return b.project === project && b.jobset === jobset && b.job === job;
  }

  private evalComplete(evalId: number): boolean {
    const ev = this.evals.get(evalId);
    return ev?.buildIds.every((id) => this.builds.get(id)?.finished === true) ?? false;
  }

  private newest(pick: (b: ModelBuild) => boolean): ModelBuild | undefined {
    let best: ModelBuild | undefined;
    for (const b of this.builds.values()) if (pick(b) && (!best || b.id > best.id)) best = b;
    return best;
  }

  /** `/job/P/J/JOB/latest`: the highest successful build id. */
  latest(project: string, jobset: string, job: string, system?: string): ModelBuild | undefined {
    return this.newest(
      (b) =>
        this.inJob(b, project, jobset, job) &&
        (system === undefined || b.system === system) &&
        b.finished &&
        b.buildstatus === 0,
    );
  }

  /** `/job/P/J/JOB/latest-finished`: as `latest`, in some eval with no unfinished member. */
  latestFinished(project: string, jobset: string, job: string): ModelBuild | undefined {
    return this.newest(
      (b) =>
        this.inJob(b, project, jobset, job) &&
        b.finished &&
        b.buildstatus === 0 &&
        b.evalIds.some((e) => this.evalComplete(e)),
    );
  }

  /** `/jobset/P/J/latest-eval`: the highest eval with new builds and no unfinished member. */
  latestEval(project: string, jobset: string): ModelEval | undefined {
    let best: ModelEval | undefined;
    for (const ev of this.evals.values()) {
      if (ev.project !== project || ev.jobset !== jobset || !ev.hasnewbuilds) continue;
      if (this.evalComplete(ev.id) && (!best || ev.id > best.id)) best = ev;
    }
    return best;
  }

  /** `/api/latestbuilds`: newest finished builds (passed or failed), id descending. */
  latestBuilds(nr: number, filters: BuildFilters = {}): ModelBuild[] {
    return [...this.builds.values()]
      .filter(
        (b) =>
          b.finished &&
          (filters.project === undefined || b.project === filters.project) &&
          (filters.jobset === undefined || b.jobset === filters.jobset) &&
          (filters.job === undefined || b.job === filters.job) &&
          (filters.system === undefined || b.system === filters.system),
      )
      .sort((a, b) => b.id - a.id)
      .slice(0, Math.max(0, nr));
  }

  /** `/api/jobsets?project=P`: counts over the builds of each jobset's newest eval. */
  jobsetOverview(project: string): JobsetOverviewRow[] | undefined {
    const rows = [...this.jobsets.values()]
      .filter((js) => js.project === project)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((js) => {
        const newest = this.newestEval(project, js.name);
        const members = (newest?.buildIds ?? []).map((id) => this.requireBuild(id));
        const done = members.filter((b) => b.finished);
        const succeeded = done.filter((b) => b.buildstatus === 0).length;
        return {
          project,
          name: js.name,
          nrscheduled: members.length - done.length,
          nrsucceeded: succeeded,
          nrfailed: done.length - succeeded,
          nrtotal: members.length,
          lastcheckedtime: newest?.timestamp ?? null,
        };
      });
    return rows.length > 0 ? rows : undefined;
  }

  newestEval(project: string, jobset: string): ModelEval | undefined {
    let best: ModelEval | undefined;
    for (const ev of this.evals.values()) {
      if (ev.project === project && ev.jobset === jobset && (!best || ev.id > best.id)) best = ev;
    }
    return best;
  }

  evalJob(evalId: number, job: string): ModelBuild | undefined {
    const ev = this.evals.get(evalId);
    return ev?.buildIds.map((id) => this.requireBuild(id)).find((b) => b.job === job);
  }

  /** Constituents of an aggregate sorted by job, as `/build/ID/constituents`; [] for others. */
  constituents(id: number): ModelBuild[] {
    const build = this.builds.get(id);
    return (build?.constituentIds ?? [])
      .map((c) => this.requireBuild(c))
      .sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
  }

  /** `/eval/ID/store-paths`: sorted unique outputs of the eval's successful `nix-build` builds. */
  storePaths(evalId: number): string[] {
    const ev = this.evals.get(evalId);
    const paths = (ev?.buildIds ?? [])
      .map((id) => this.requireBuild(id))
      .filter((b) => b.finished && b.buildstatus === 0 && b.hasOutput)
      .filter((b) => Object.values(b.products).some((p) => p.type === "nix-build"))
      .map((b) => b.outPath);
    return [...new Set(paths)].sort();
  }
}
