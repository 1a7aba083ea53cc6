import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type HydraBuildRow, hydraBuilds, hydraEvals } from "../db/schema.ts";
import type { ConstituentFact, GateBuildFact } from "../domain/facts.ts";
import { UpstreamError } from "../errors.ts";
import { constituentState, describeBuildStatus } from "./build-status.ts";
import type { HydraApi } from "./hydra-api.ts";
import { recordConstituents } from "./record-constituents.ts";
import { toDate, upsertBuilds } from "./upsert-builds.ts";

interface RecordDeps {
  db: Db;
  hydra: HydraApi;
}

/** Evals are immutable: fetched once, then read from the database. */
async function recordEval(
  deps: RecordDeps,
  evalId: number,
  jobset: { project: string; jobset: string },
  now: Date,
): Promise<string> {
  const [known] = await deps.db.select().from(hydraEvals).where(eq(hydraEvals.id, evalId));
  if (known?.revision) return known.revision;
  const ev = await deps.hydra.evaluation(evalId);
  const revision = ev.jobsetevalinputs.nixpkgs?.revision;
  if (!revision) {
    throw new UpstreamError("HYDRA_BAD_SHAPE", `eval ${evalId} has no nixpkgs input revision`, {
      retryable: false,
      url: deps.hydra.evalUrl(evalId),
    });
  }
  const inputs = Object.fromEntries(
    Object.entries(ev.jobsetevalinputs).map(([k, v]) => [
      k,
      { type: v.type, revision: v.revision },
    ]),
  );
  await deps.db
    .insert(hydraEvals)
    .values({
      ...jobset,
      id: ev.id,
      revision,
      evaluatedAt: toDate(ev.timestamp),
      hasNewBuilds: ev.hasnewbuilds,
      inputs,
      fetchedAt: now,
    })
    .onConflictDoNothing();
  return revision;
}

function noEvalOrName(deps: RecordDeps, buildId: number): UpstreamError {
  return new UpstreamError("HYDRA_BAD_SHAPE", `build ${buildId} has no eval or no nixname`, {
    retryable: false,
    url: deps.hydra.buildUrl(buildId),
  });
}

function settled(row: HydraBuildRow): boolean {
  return row.finished && row.buildstatus === 0;
}

/**
 * Records a channel gate (the aggregate build), its eval and its constituents, fetching only what is
 * not known yet or may have changed (`expect` is what Hydra just told us about the build's state).
 */
export async function recordGate(
  deps: RecordDeps,
  buildId: number,
  expect: { finished: boolean; buildstatus: number | null },
  now: Date,
): Promise<GateBuildFact> {
  let [row] = await deps.db.select().from(hydraBuilds).where(eq(hydraBuilds.id, buildId));
  const gateChanged =
    !row || row.finished !== expect.finished || row.buildstatus !== expect.buildstatus;
  if (gateChanged) {
    const build = await deps.hydra.build(buildId);
    // Checked before recording: a gate recorded without them would never be asked for again.
    if (build.jobsetevals.length === 0 || !build.nixname) throw noEvalOrName(deps, buildId);
    await upsertBuilds(deps.db, [build], now);
    [row] = await deps.db.select().from(hydraBuilds).where(eq(hydraBuilds.id, buildId));
  }
  const evalId = row?.evalIds[0];
  if (!row || evalId === undefined || !row.nixname) throw noEvalOrName(deps, buildId);
  const revision = await recordEval(
    deps,
    evalId,
    { project: row.project, jobset: row.jobset },
    now,
  );
  const gate = { changed: gateChanged, failed: row.finished && row.buildstatus !== 0 };
  const constituents = await recordConstituents(deps, buildId, gate, now);
  return {
    buildId,
    evalId,
    releaseName: row.nixname,
    revision,
    url: deps.hydra.buildUrl(buildId),
    passed: settled(row),
    constituents: constituents
      .sort((a, b) => a.job.localeCompare(b.job))
      .map(
        (c): ConstituentFact => ({
          buildId: c.id,
          job: c.job,
          system: c.system,
          state: constituentState(c.finished, c.buildstatus),
          buildstatus: c.buildstatus,
          statusText: describeBuildStatus(c.finished, c.buildstatus),
          url: deps.hydra.buildUrl(c.id),
        }),
      ),
  };
}
