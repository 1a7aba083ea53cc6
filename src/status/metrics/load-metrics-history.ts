import { and, asc, desc, eq, isNotNull, lte, notExists, type SQLWrapper, sql } from "drizzle-orm";
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

/** Releases this young are counted later: their landings are recorded just after the flip. */
export const LANDINGS_SETTLE_MS = 10 * 60_000;

/** A channel's histogram and the releases counted into it, so a reload adds only new ones. */
export interface CountedLatency {
  latency: LatencyHistogram;
  releases: Set<number>;
}

const publishedBy = (spec: ChannelSpec, cutoff: Date) =>
  and(
    eq(releases.channel, spec.name),
    eq(releases.state, "published"),
    isNotNull(releases.publishedAt),
    lte(releases.publishedAt, cutoff),
  );

/**
 * Commit-to-channel latency of every source-branch commit the channel has released: from the
 * commit first being seen on the source branch to the first published release that brought it
 * (DESIGN.md "Lag, defined"). Counted whole by the database once; then each reload adds only the
 * releases published since, one query per new release (usually none).
 */
async function latencyHistogram(
  db: Db,
  spec: ChannelSpec,
  cutoff: Date,
  previous: CountedLatency | undefined,
): Promise<CountedLatency> {
  const ids = await db
    .select({ id: releases.id, publishedAt: releases.publishedAt })
    .from(releases)
    .where(publishedBy(spec, cutoff))
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  if (!previous) {
    return {
      latency: await wholeHistogram(db, spec, cutoff),
      releases: new Set(ids.map((r) => r.id)),
    };
  }
  const latency = {
    cumulative: [...previous.latency.cumulative],
    sumSeconds: previous.latency.sumSeconds,
    count: previous.latency.count,
  };
  const counted = new Set(previous.releases);
  for (const release of ids) {
    if (counted.has(release.id) || !release.publishedAt) continue;
    for (const seconds of await broughtFirstBy(db, spec, release.id, release.publishedAt)) {
      LATENCY_BUCKETS.forEach((le, i) => {
        if (seconds <= le) latency.cumulative[i] = (latency.cumulative[i] ?? 0) + 1;
      });
      latency.sumSeconds += seconds;
      latency.count++;
    }
    counted.add(release.id);
  }
  return { latency, releases: counted };
}

const SECONDS = (landedAt: SQLWrapper) =>
  sql`greatest(0, extract(epoch from (${landedAt} - ${commits.firstSeenAt})))`;

async function wholeHistogram(db: Db, spec: ChannelSpec, cutoff: Date): Promise<LatencyHistogram> {
  const landings = db
    .select({
      sha: releaseCommits.sha,
      landedAt: sql`min(${releases.publishedAt})`.as("landed_at"),
    })
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(publishedBy(spec, cutoff))
    .groupBy(releaseCommits.sha)
    .as("landings");
  const seconds = SECONDS(landings.landedAt);
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

/** Latencies (s) of the source commits `releaseId` was the channel's first release to bring. */
async function broughtFirstBy(
  db: Db,
  spec: ChannelSpec,
  releaseId: number,
  publishedAt: Date,
): Promise<number[]> {
  // Spelled out: drizzle leaves columns unqualified where both tables have them.
  const earlier = sql`exists (
    select 1 from release_commits rc2 inner join releases r2 on r2.id = rc2.release_id
    where rc2.sha = ${releaseCommits.sha} and r2.channel = ${spec.name} and r2.state = 'published'
      and (r2.published_at < ${publishedAt.toISOString()}::timestamptz
        or (r2.published_at = ${publishedAt.toISOString()}::timestamptz and r2.id < ${releaseId}))
  )`;
  const rows = await db
    .select({ seconds: sql<string>`${SECONDS(sql`${publishedAt.toISOString()}::timestamptz`)}` })
    .from(releaseCommits)
    .innerJoin(commits, eq(commits.sha, releaseCommits.sha))
    .where(
      and(
        eq(releaseCommits.releaseId, releaseId),
        eq(commits.firstSeenBranch, spec.sourceBranch),
        sql`not ${earlier}`,
      ),
    );
  return rows.map((r) => Number(r.seconds));
}

/** Per channel, what `/metrics` adds and the releases its histogram counted. */
export type MetricsHistory = ReadonlyMap<
  string,
  ChannelMetricsHistory & { counted: CountedLatency }
>;

/** Everything `/metrics` adds per channel; pass the last result to count only new releases. */
export async function loadMetricsHistory(
  db: Db,
  specs: ChannelSpec[],
  now: Date,
  previous?: MetricsHistory,
): Promise<MetricsHistory> {
  const cutoff = new Date(now.getTime() - LANDINGS_SETTLE_MS);
  const entries = await Promise.all(
    specs.map(async (spec) => {
      const counted = await latencyHistogram(db, spec, cutoff, previous?.get(spec.name)?.counted);
      const history = {
        lastGreenAt: await lastGreenAt(db, spec),
        latency: counted.latency,
        counted,
      };
      return [spec.name, history] as const;
    }),
  );
  return new Map(entries);
}
