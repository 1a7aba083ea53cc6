import type {
  BuildFilters,
  JobsetOverviewRow,
  ModelBuild,
  ModelEval,
} from "./hydra-model-types.ts";
import { HydraStore } from "./hydra-store.ts";

export type * from "./hydra-model-types.ts";
export { fakeStoreHash } from "./hydra-store.ts";

/**
 * State and semantics of a fake Hydra instance, without I/O: evals, builds, aggregates and the
 * queries behind Hydra's endpoints (latest, latest-finished, latestbuilds, jobset overview).
 * Semantics follow reference/hydra-api.md §2–§4 (restart keeps buildstatus, aggregates end with 2).
 */
export class HydraModel extends HydraStore {
  /**
   * `failAggregates`: as Hydra's queue runner does when a step fails, the aggregates waiting on this
   * build finish at once with 2 (dependency failed) while their other constituents keep building.
   */
  finishBuild(
    id: number,
    buildstatus: number,
    opts: { durationSec?: number; failAggregates?: boolean } = {},
  ): void {
    const build = this.requireBuild(id);
    if (build.finished) throw new Error(`build ${id} is already finished`);
    this.complete(build, buildstatus, opts.durationSec ?? 300);
    if (opts.failAggregates && buildstatus !== 0) {
      for (const aggregate of this.aggregatesOf(id)) {
        if (!aggregate.finished) this.complete(aggregate, 2, 0);
      }
    }
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

  /**
   * A maintainer restarts a finished build on Hydra and the new attempt ends with `buildstatus`
   * (0: it passed on restart). Like Hydra, the build keeps its id, and the aggregates waiting on it
   * are restarted too and settle again once it finishes.
   */
  restartAndFinish(id: number, buildstatus = 0, opts: { durationSec?: number } = {}): void {
    this.restartBuild(id);
    this.finishBuild(id, buildstatus, opts);
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
