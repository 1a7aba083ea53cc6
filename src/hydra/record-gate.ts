import { eq, inArray, sql } from "drizzle-orm";
import type { ConstituentFact, GateBuildFact } from "../channels/facts.ts";
import type { Db } from "../db/client.ts";
import {
  aggregateConstituents,
  type HydraBuildRow,
  hydraBuilds,
  hydraEvals,
} from "../db/schema.ts";
import { UpstreamError } from "../errors.ts";
import { constituentState, describeBuildStatus } from "./build-status.ts";
import type { HydraApi } from "./hydra-api.ts";
import type { HydraBuild } from "./schemas.ts";

interface RecordDeps {
  db: Db;
  hydra: HydraApi;
}

const toDate = (unix: number | null) => (unix === null ? null : new Date(unix * 1000));

function buildRow(b: HydraBuild, now: Date): typeof hydraBuilds.$inferInsert {
  return {
    id: b.id,
    project: b.project,
    jobset: b.jobset,
    job: b.job,
    system: b.system,
    nixname: b.nixname,
    finished: b.finished,
    buildstatus: b.buildstatus,
    evalIds: b.jobsetevals,
    startedAt: toDate(b.starttime),
    stoppedAt: toDate(b.stoptime),
    fetchedAt: now,
  };
}

async function upsertBuilds(db: Db, builds: HydraBuild[], now: Date): Promise<void> {
  if (builds.length === 0) return;
  await db
    .insert(hydraBuilds)
    .values(builds.map((b) => buildRow(b, now)))
    .onConflictDoUpdate({
      target: hydraBuilds.id,
      set: {
        finished: sql`excluded.finished`,
        buildstatus: sql`excluded.buildstatus`,
        evalIds: sql`excluded.eval_ids`,
        startedAt: sql`excluded.started_at`,
        stoppedAt: sql`excluded.stopped_at`,
        fetchedAt: sql`excluded.fetched_at`,
      },
    });
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

function settled(row: HydraBuildRow): boolean {
  return row.finished && row.buildstatus === 0;
}

/**
 * Constituent links never change. Their statuses are re-read only when the gate itself changed or
 * one is still pending: a finished gate's constituents change only through a restart, which
 * unfinishes the gate too.
 */
async function recordConstituents(
  deps: RecordDeps,
  aggregateId: number,
  gateChanged: boolean,
  now: Date,
): Promise<HydraBuildRow[]> {
  const links = await deps.db
    .select({ id: aggregateConstituents.constituentId })
    .from(aggregateConstituents)
    .where(eq(aggregateConstituents.aggregateId, aggregateId));
  const ids = links.map((l) => l.id);
  if (ids.length > 0) {
    const rows = await deps.db.select().from(hydraBuilds).where(inArray(hydraBuilds.id, ids));
    const complete = rows.length === ids.length && rows.every((r) => r.finished);
    if (complete && !gateChanged) return rows;
  }
  const fresh = await deps.hydra.constituents(aggregateId);
  await upsertBuilds(deps.db, fresh, now);
  if (fresh.length > 0) {
    await deps.db
      .insert(aggregateConstituents)
      .values(fresh.map((b) => ({ aggregateId, constituentId: b.id })))
      .onConflictDoNothing();
  }
  const freshIds = fresh.map((b) => b.id);
  return freshIds.length
    ? deps.db.select().from(hydraBuilds).where(inArray(hydraBuilds.id, freshIds))
    : [];
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
    await upsertBuilds(deps.db, [build], now);
    [row] = await deps.db.select().from(hydraBuilds).where(eq(hydraBuilds.id, buildId));
  }
  const evalId = row?.evalIds[0];
  if (!row || evalId === undefined || !row.nixname) {
    throw new UpstreamError("HYDRA_BAD_SHAPE", `build ${buildId} has no eval or no nixname`, {
      retryable: false,
      url: deps.hydra.buildUrl(buildId),
    });
  }
  const revision = await recordEval(
    deps,
    evalId,
    { project: row.project, jobset: row.jobset },
    now,
  );
  const constituents = await recordConstituents(deps, buildId, gateChanged, now);
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
