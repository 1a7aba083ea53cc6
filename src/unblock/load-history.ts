import { and, asc, desc, eq, inArray, lte, sql } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { buildsOfJob } from "../db/builds-of-job.ts";
import type { Db } from "../db/client.ts";
import { aggregateConstituents, hydraBuildResults, hydraBuilds, hydraEvals } from "../db/schema.ts";
import { outcomeOf } from "./judge-constituent.ts";
import type { ConstituentHistory, ConstituentRun, EvalPoint } from "./unblock-types.ts";

const evalIdOf = sql<number>`(${hydraBuilds.evalIds}->>0)::bigint`;

interface Gate extends EvalPoint {
  buildId: number;
}

/** The channel job's gate builds up to `gateBuildId`, newest `window` of them, oldest first. */
async function gatesUpTo(db: Db, job: ChannelSpec["job"], gateBuildId: number, window: number) {
  const rows = await db
    .select({ id: hydraBuilds.id, evalIds: hydraBuilds.evalIds, ev: hydraEvals })
    .from(hydraBuilds)
    .leftJoin(hydraEvals, eq(hydraEvals.id, evalIdOf))
    .where(and(buildsOfJob(job), lte(hydraBuilds.id, gateBuildId)))
    .orderBy(desc(hydraBuilds.id))
    .limit(window);
  return rows.reverse().map(
    (r): Gate => ({
      buildId: r.id,
      evalId: r.ev?.id ?? r.evalIds[0] ?? 0,
      revision: r.ev?.revision ?? null,
      evaluatedAt: r.ev?.evaluatedAt?.toISOString() ?? null,
    }),
  );
}

/**
 * Read from the database only: each of `jobs` as a constituent of the channel's last `window`
 * gate builds (the blocked one last), with every result recorded of its build in each.
 */
export async function loadConstituentHistory(
  db: Db,
  job: ChannelSpec["job"],
  opts: { gateBuildId: number; jobs: string[]; window: number },
): Promise<ConstituentHistory[]> {
  const gates = await gatesUpTo(db, job, opts.gateBuildId, opts.window);
  if (gates.length === 0 || opts.jobs.length === 0) return [];
  const members = await db
    .select({
      aggregateId: aggregateConstituents.aggregateId,
      id: hydraBuilds.id,
      job: hydraBuilds.job,
      system: hydraBuilds.system,
      finished: hydraBuilds.finished,
      buildstatus: hydraBuilds.buildstatus,
    })
    .from(aggregateConstituents)
    .innerJoin(hydraBuilds, eq(hydraBuilds.id, aggregateConstituents.constituentId))
    .where(
      and(
        inArray(
          aggregateConstituents.aggregateId,
          gates.map((g) => g.buildId),
        ),
        // Constituents are jobs of the gate's own jobset: their index finds the few builds of
        // these jobs, instead of reading the build of each of the window's ~200 × 100 members.
        eq(hydraBuilds.project, job.project),
        eq(hydraBuilds.jobset, job.jobset),
        inArray(hydraBuilds.job, opts.jobs),
      ),
    );
  const ids = [...new Set(members.map((m) => m.id))];
  const results = ids.length
    ? await db
        .select()
        .from(hydraBuildResults)
        .where(inArray(hydraBuildResults.buildId, ids))
        .orderBy(asc(hydraBuildResults.stoppedAt), asc(hydraBuildResults.observedAt))
    : [];
  const statusesOf = new Map<number, number[]>();
  for (const r of results)
    statusesOf.set(r.buildId, [...(statusesOf.get(r.buildId) ?? []), r.buildstatus]);

  return opts.jobs.map((name): ConstituentHistory => {
    const mine = members.filter((m) => m.job === name);
    const runs = gates.map((g): ConstituentRun => {
      const m = mine.find((x) => x.aggregateId === g.buildId);
      if (!m) return { ...g, buildId: null, outcome: "absent", failedAttempts: 0 };
      // Builds recorded before results were kept have only their current state.
      const recorded = statusesOf.get(m.id);
      const current = m.finished && m.buildstatus !== null ? [m.buildstatus] : [];
      const { outcome, failedAttempts } = outcomeOf(recorded ?? current, m.finished);
      return { ...g, buildId: m.id, outcome, failedAttempts };
    });
    return { job: name, system: mine.at(-1)?.system ?? "", runs };
  });
}
