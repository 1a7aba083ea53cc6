import { and, asc, count, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { commits, releaseCommits, releases } from "../../db/schema.ts";
import type { LagHistory, LagRelease } from "./compute-lag.ts";

const DAY_MS = 86_400_000;

/** The recorded history `computeLag` needs for a window of `days` ending at `now`. */
export async function loadLagHistory(
  db: Db,
  channel: { name: string; sourceBranch: string },
  now: Date,
  days: number,
): Promise<LagHistory> {
  const from = new Date(now.getTime() - days * DAY_MS);
  return {
    channel: channel.name,
    sourceBranch: channel.sourceBranch,
    releases: await publishedInWindow(db, channel.name, from, now),
    commits: await sourceCommits(db, channel, from, now),
  };
}

const published = (channel: string) =>
  and(
    eq(releases.channel, channel),
    eq(releases.state, "published"),
    sql`${releases.publishedAt} is not null`,
  );

/** Releases published in the window and the one served at its start, oldest first. */
async function publishedInWindow(
  db: Db,
  channel: string,
  from: Date,
  to: Date,
): Promise<LagRelease[]> {
  const columns = {
    id: releases.id,
    name: releases.name,
    revision: releases.revision,
    revisionCommittedAt: releases.revisionCommittedAt,
    publishedAt: releases.publishedAt,
  };
  const before = await db
    .select(columns)
    .from(releases)
    .where(and(published(channel), lt(releases.publishedAt, from)))
    .orderBy(desc(releases.publishedAt), desc(releases.id))
    .limit(1);
  const inWindow = await db
    .select(columns)
    .from(releases)
    .where(and(published(channel), gte(releases.publishedAt, from), lte(releases.publishedAt, to)))
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  const rows = [...before, ...inWindow];
  const ids = rows.map((r) => r.id);
  const counts = ids.length
    ? await db
        .select({ releaseId: releaseCommits.releaseId, commits: count() })
        .from(releaseCommits)
        .where(inArray(releaseCommits.releaseId, ids))
        .groupBy(releaseCommits.releaseId)
    : [];
  const brought = new Map(counts.map((c) => [c.releaseId, c.commits]));
  return rows.flatMap((r) =>
    r.publishedAt
      ? [
          {
            name: r.name,
            revision: r.revision,
            revisionCommittedAt: r.revisionCommittedAt,
            publishedAt: r.publishedAt,
            commits: brought.get(r.id) ?? 0,
          },
        ]
      : [],
  );
}

/**
 * Source-branch commits seen in the window, or seen before it and still missing at its start,
 * each with the publish time of the channel's first release that brought it.
 */
async function sourceCommits(
  db: Db,
  channel: { name: string; sourceBranch: string },
  from: Date,
  to: Date,
): Promise<LagHistory["commits"]> {
  const landings = db
    .select({
      sha: releaseCommits.sha,
      landedAt: sql<Date>`min(${releases.publishedAt})`.as("landed_at"),
    })
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(published(channel.name))
    .groupBy(releaseCommits.sha)
    .as("landings");
  const rows = await db
    .select({
      sha: commits.sha,
      committedAt: commits.committedAt,
      firstSeenAt: commits.firstSeenAt,
      landedAt: landings.landedAt,
    })
    .from(commits)
    .leftJoin(landings, eq(landings.sha, commits.sha))
    .where(
      and(
        eq(commits.firstSeenBranch, channel.sourceBranch),
        lte(commits.firstSeenAt, to),
        // The subquery's column has no column type to map a Date for the driver: compare as text.
        or(
          gte(commits.firstSeenAt, from),
          isNull(landings.landedAt),
          sql`${landings.landedAt} > ${from.toISOString()}::timestamptz`,
        ),
      ),
    );
  // Aggregates come back as strings from postgres.js and PGlite alike.
  return rows.map((r) => ({
    ...r,
    landedAt: r.landedAt === null ? null : new Date(r.landedAt),
  }));
}
