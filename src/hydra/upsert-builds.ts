import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { hydraBuildResults, hydraBuilds } from "../db/schema.ts";
import type { HydraBuild } from "./schemas.ts";

export const toDate = (unix: number | null) => (unix === null ? null : new Date(unix * 1000));

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
    queuedAt: toDate(b.timestamp),
    startedAt: toDate(b.starttime),
    stoppedAt: toDate(b.stoptime),
    fetchedAt: now,
  };
}

/**
 * Writes builds as Hydra just answered them; a build's state (finished, status, times) may change.
 * Each finished result is also kept apart, so a restart that overwrites it leaves the earlier one.
 */
export async function upsertBuilds(db: Db, builds: HydraBuild[], now: Date): Promise<void> {
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
  const results = builds.flatMap((b) =>
    b.finished && b.buildstatus !== null
      ? [
          {
            buildId: b.id,
            stoppedAt: toDate(b.stoptime) ?? new Date(0),
            buildstatus: b.buildstatus,
            observedAt: now,
          },
        ]
      : [],
  );
  if (results.length === 0) return;
  await db.insert(hydraBuildResults).values(results).onConflictDoNothing();
}
