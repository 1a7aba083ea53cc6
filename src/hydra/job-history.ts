import { and, eq, inArray, sql } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { buildsOfJob } from "../db/builds-of-job.ts";
import type { Db } from "../db/client.ts";
import { aggregateConstituents, hydraBuilds, hydraEvals } from "../db/schema.ts";
import type { ConstituentState } from "../domain/facts.ts";
import { constituentState, describeBuildStatus } from "./build-status.ts";

export interface FailingConstituent {
  buildId: number;
  job: string;
  system: string;
  buildstatus: number | null;
  statusText: string;
  url: string | null;
}

/** One gate (aggregate) build of a channel job: one square of status.nixos.org's job strip. */
export interface JobHistoryEntry {
  buildId: number;
  evalId: number | null;
  revision: string | null;
  releaseName: string | null;
  /** ISO times: when Hydra evaluated the revision, and when the gate build finished. */
  evaluatedAt: string | null;
  finishedAt: string | null;
  result: ConstituentState;
  buildstatus: number | null;
  statusText: string;
  url: string | null;
  constituents: { total: number; passed: number; failed: number; pending: number };
  failing: FailingConstituent[];
}

const evalIdOf = sql<number>`(${hydraBuilds.evalIds}->>0)::bigint`;
const countPerGate = sql<number>`count(*)`.mapWith(Number);
// The predicates of the partial indexes hydra_builds_unfinished and hydra_builds_failed, verbatim,
// so the planner matches them: a gate's few pending or failed constituents are found without
// reading the row of each of its ~200 constituents.
const unfinished = sql`not ${hydraBuilds.finished}`;
const failedBuild = sql`${hydraBuilds.finished} and ${hydraBuilds.buildstatus} is distinct from 0`;

/** Per gate build: its constituents' count, the pending ones' count, and the failed builds. */
async function constituentFacts(db: Db, gateIds: number[]) {
  const ofGates = inArray(aggregateConstituents.aggregateId, gateIds);
  const totals = await db
    .select({ aggregateId: aggregateConstituents.aggregateId, n: countPerGate })
    .from(aggregateConstituents)
    .where(ofGates)
    .groupBy(aggregateConstituents.aggregateId);
  const pendings = await db
    .select({ aggregateId: aggregateConstituents.aggregateId, n: countPerGate })
    .from(aggregateConstituents)
    .innerJoin(
      hydraBuilds,
      and(eq(hydraBuilds.id, aggregateConstituents.constituentId), unfinished),
    )
    .where(ofGates)
    .groupBy(aggregateConstituents.aggregateId);
  const failing = await db
    .select({ aggregateId: aggregateConstituents.aggregateId, build: hydraBuilds })
    .from(aggregateConstituents)
    .innerJoin(
      hydraBuilds,
      and(eq(hydraBuilds.id, aggregateConstituents.constituentId), failedBuild),
    )
    .where(ofGates)
    .orderBy(hydraBuilds.job);
  const byGate = (rows: { aggregateId: number; n: number }[]) =>
    new Map(rows.map((r) => [r.aggregateId, r.n]));
  return { total: byGate(totals), pending: byGate(pendings), failing };
}

/**
 * Every recorded gate build of `spec`'s job evaluated (or, with no eval recorded, finished) since
 * `since`, oldest first, with its failing constituents; read from the database only. `hydraUrl`
 * turns build ids into links.
 */
export async function jobHistory(
  db: Db,
  spec: ChannelSpec,
  since: Date,
  opts: { hydraUrl?: string } = {},
): Promise<JobHistoryEntry[]> {
  const link = (id: number) => (opts.hydraUrl ? `${opts.hydraUrl}/build/${id}` : null);
  const at = sql`coalesce(${hydraEvals.evaluatedAt}, ${hydraBuilds.stoppedAt})`;
  const gates = await db
    .select({ build: hydraBuilds, ev: hydraEvals })
    .from(hydraBuilds)
    .leftJoin(hydraEvals, eq(hydraEvals.id, evalIdOf))
    .where(and(buildsOfJob(spec.job), sql`${at} >= ${since.toISOString()}::timestamptz`))
    .orderBy(at, hydraBuilds.id);
  const ids = gates.map((g) => g.build.id);
  if (ids.length === 0) return [];

  const { total, pending, failing } = await constituentFacts(db, ids);
  return gates.map(({ build, ev }): JobHistoryEntry => {
    const failed = failing.filter((f) => f.aggregateId === build.id).map((f) => f.build);
    const all = total.get(build.id) ?? 0;
    const waiting = pending.get(build.id) ?? 0;
    return {
      buildId: build.id,
      evalId: ev?.id ?? build.evalIds[0] ?? null,
      revision: ev?.revision ?? null,
      releaseName: build.nixname,
      evaluatedAt: ev?.evaluatedAt?.toISOString() ?? null,
      finishedAt: build.finished ? (build.stoppedAt?.toISOString() ?? null) : null,
      result: constituentState(build.finished, build.buildstatus),
      buildstatus: build.finished ? build.buildstatus : null,
      statusText: describeBuildStatus(build.finished, build.buildstatus),
      url: link(build.id),
      constituents: {
        total: all,
        passed: all - waiting - failed.length,
        failed: failed.length,
        pending: waiting,
      },
      failing: failed.map((f) => ({
        buildId: f.id,
        job: f.job,
        system: f.system,
        buildstatus: f.buildstatus,
        statusText: describeBuildStatus(f.finished, f.buildstatus),
        url: link(f.id),
      })),
    };
  });
}
