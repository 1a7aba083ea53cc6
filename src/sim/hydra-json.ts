import type { JobsetOverviewRow, ModelBuild, ModelEval } from "./hydra-model-types.ts";

/**
 * The JSON views of the fake Hydra, shaped as Hydra serialises its rows (reference/hydra-api.md §2):
 * integer flags, Perl hash key order (shuffled, seeded), products only once a build has output.
 */

// Perl hashes have no stable key order; clients must not rely on one.
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function shuffleKeys(obj: object, rand: () => number): Record<string, unknown> {
  return Object.fromEntries(shuffled(Object.entries(obj), rand));
}

/** `/build/ID` and each element of `/build/ID/constituents`: exactly Hydra's 18 keys. */
export function buildJson(b: ModelBuild, rand: () => number): Record<string, unknown> {
  const products = b.hasOutput
    ? Object.fromEntries(Object.entries(b.products).map(([nr, p]) => [nr, shuffleKeys(p, rand)]))
    : {};
  return shuffleKeys(
    {
      id: b.id,
      finished: b.finished ? 1 : 0,
      timestamp: b.timestamp,
      starttime: b.starttime,
      stoptime: b.stoptime,
      project: b.project,
      jobset: b.jobset,
      job: b.job,
      nixname: b.nixname,
      system: b.system,
      priority: b.priority,
      buildstatus: b.buildstatus,
      releasename: null,
      drvpath: b.drvPath,
      jobsetevals: shuffled(b.evalIds, rand),
      buildoutputs: { out: { path: b.outPath } },
      buildproducts: products,
      buildmetrics: {},
    },
    rand,
  );
}

export function evalJson(ev: ModelEval, rand: () => number): Record<string, unknown> {
  const inputs = Object.entries(ev.inputs).map(([name, input]) => [name, shuffleKeys(input, rand)]);
  return shuffleKeys(
    {
      id: ev.id,
      timestamp: ev.timestamp,
      checkouttime: ev.checkouttime,
      evaltime: ev.evaltime,
      hasnewbuilds: ev.hasnewbuilds ? 1 : 0,
      flake: null,
      builds: shuffled(ev.buildIds, rand),
      jobsetevalinputs: Object.fromEntries(shuffled(inputs, rand)),
    },
    rand,
  );
}

/** `/api/latestbuilds` rows (`buildToHash`): no times, no evals. */
export function latestBuildJson(b: ModelBuild, rand: () => number): Record<string, unknown> {
  const { id, project, jobset, job, system, nixname, timestamp, buildstatus } = b;
  const finished = b.finished ? 1 : 0;
  return shuffleKeys(
    { id, project, jobset, job, system, nixname, finished, timestamp, buildstatus },
    rand,
  );
}

/** `/api/jobsets` rows (`jobsetOverview_`). */
export function jobsetOverviewJson(
  row: JobsetOverviewRow,
  rand: () => number,
): Record<string, unknown> {
  const extra = {
    starttime: null,
    checkinterval: 28800,
    triggertime: null,
    fetcherrormsg: null,
    errortime: null,
    haserrormsg: false,
  };
  return shuffleKeys({ ...row, ...extra }, rand);
}
