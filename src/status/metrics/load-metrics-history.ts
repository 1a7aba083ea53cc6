import { and, desc, eq, isNotNull, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { ChannelSpec } from "../../config/channels-file.ts";
import { buildsOfJob } from "../../db/builds-of-job.ts";
import type { Db } from "../../db/client.ts";
import {
  aggregateConstituents,
  commits,
  hydraBuilds,
  releaseCommits,
  releases,
} from "../../db/schema.ts";
import { LATENCY_BUCKETS, type LatencyHistogram } from "./latency-histogram.ts";

/** What `/metrics` shows beyond the read model, per channel. */
export interface ChannelMetricsHistory {
  /** When the newest gate build that passed with every constituent passed finished. */
  lastGreenAt: Date | null;
  latency: LatencyHistogram;
}

const constituent = alias(hydraBuilds, "constituent");

/** The newest gate build of the channel's job that passed with no constituent failed. */
async function lastGreenAt(db: Db, spec: ChannelSpec): Promise<Date | null> {
  const failedConstituent = db
    .select({ id: constituent.id })
    .from(aggregateConstituents)
    .innerJoin(constituent, eq(constituent.id, aggregateConstituents.constituentId))
    .where(
      and(
        eq(aggregateConstituents.aggregateId, hydraBuilds.id),
        eq(constituent.finished, true),
        sql`${constituent.buildstatus} <> 0`,
      ),
    );
  const [row] = await db
    .select({ at: sql<string>`coalesce(${hydraBuilds.stoppedAt}, ${hydraBuilds.fetchedAt})` })
    .from(hydraBuilds)
    .where(
      and(
        buildsOfJob(spec.job),
        eq(hydraBuilds.finished, true),
        eq(hydraBuilds.buildstatus, 0),
        notExists(failedConstituent),
      ),
    )
    .orderBy(desc(hydraBuilds.id))
    .limit(1);
  // Expressions come back as strings from postgres.js and PGlite alike.
  return row ? new Date(row.at) : null;
}

/**
 * Commit-to-channel latency of every source-branch commit the channel has released: from the
 * commit first being seen on the source branch to the first published release that brought it
 * (DESIGN.md "Lag, defined"), counted into buckets by the database in one aggregate.
 */
async function latencyHistogram(db: Db, spec: ChannelSpec): Promise<LatencyHistogram> {
  const landings = db
    .select({
      sha: releaseCommits.sha,
      landedAt: sql`min(${releases.publishedAt})`.as("landed_at"),
    })
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(
      and(
        eq(releases.channel, spec.name),
        eq(releases.state, "published"),
        isNotNull(releases.publishedAt),
      ),
    )
    .groupBy(releaseCommits.sha)
    .as("landings");
  const seconds = sql`greatest(0, extract(epoch from (${landings.landedAt} - ${commits.firstSeenAt})))`;
  const counts = LATENCY_BUCKETS.map((le) => sql`count(*) filter (where ${seconds} <= ${le})`);
  const [row] = await db
    .select({
      // One array column: int8 comes back as strings or numbers, depending on the driver.
      cumulative: sql<(string | number)[]>`array[${sql.join(counts, sql`, `)}]`,
      sum: sql<string | null>`sum(${seconds})`,
      count: sql<string>`count(*)`,
    })
    .from(landings)
    .innerJoin(commits, eq(commits.sha, landings.sha))
    .where(eq(commits.firstSeenBranch, spec.sourceBranch));
  return {
    cumulative: LATENCY_BUCKETS.map((_, i) => Number(row?.cumulative[i] ?? 0)),
    sumSeconds: Number(row?.sum ?? 0),
    count: Number(row?.count ?? 0),
  };
}

export async function loadMetricsHistory(
  db: Db,
  specs: ChannelSpec[],
): Promise<Map<string, ChannelMetricsHistory>> {
  const entries = await Promise.all(
    specs.map(
      async (spec) =>
        [
          spec.name,
          { lastGreenAt: await lastGreenAt(db, spec), latency: await latencyHistogram(db, spec) },
        ] as const,
    ),
  );
  return new Map(entries);
}
