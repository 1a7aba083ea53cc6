import { and, asc, count, desc, eq, gt, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { commits, releaseCommits, releases } from "../../db/schema.ts";
import type { LagCommit, LagHistory, LagRelease } from "./compute-lag.ts";

const DAY_MS = 86_400_000;

/**
 * A window's history as loaded, with what a refresh needs: the time it was loaded up to, and
 * `since`, the first-seen time of the revision served at the window's start (see `loadLagHistory`).
 */
export interface LoadedLagHistory {
  history: LagHistory;
  to: Date;
  /** The release served at the window's start, and when its revision was first seen on the source branch. */
  start: { release: string; revisionSeenAt: Date | null } | null;
}

/** The recorded history `computeLag` needs for a window of `days` ending at `now`. */
export async function loadLagHistory(
  db: Db,
  channel: { name: string; sourceBranch: string },
  now: Date,
  days: number,
): Promise<LagHistory> {
  return (await loadLagWindow(db, channel, now, days)).history;
}

/**
 * Commits first seen on the source branch before the revision served at the window's start was
 * first seen are that revision's ancestors (the branch only fast-forwards), so they landed with it
 * or before, ahead of the window: only commits seen since can be behind at its start or land in it.
 * Loading from there bounds the work by the window, not by the whole recorded history.
 */
export async function loadLagWindow(
  db: Db,
  channel: { name: string; sourceBranch: string },
  now: Date,
  days: number,
): Promise<LoadedLagHistory> {
  const from = new Date(now.getTime() - days * DAY_MS);
  const releaseRows = await publishedInWindow(db, channel.name, from, now);
  const first = releaseRows[0];
  const start =
    first && first.publishedAtMs < from.getTime()
      ? { release: first.name, revisionSeenAt: await firstSeenAt(db, channel, first.revision) }
      : null;
  // With no revision known before the window (a new channel), all that came before it, at once.
  const bound = start?.revisionSeenAt ?? null;
  const before = bound ? [] : await sourceCommits(db, channel, [lt(commits.firstSeenAt, from)]);
  const rows = [...before, ...(await sourceCommitsSeen(db, channel, bound ?? from, now))];
  return {
    history: {
      channel: channel.name,
      sourceBranch: channel.sourceBranch,
      releases: releaseRows,
      commits: rows.filter((c) => inWindow(c, from)),
    },
    to: now,
    start,
  };
}

/**
 * How much first-seen time one query reads. A 90-day window of master read at once is one query
 * of 1-2 s on PGlite's one backend, which every other query (a lookup, a tick) would wait behind;
 * in weeks, they get their turn between two (and, before PGlite had its own thread, so did the
 * event loop).
 */
export const LOAD_CHUNK_MS = 7 * DAY_MS;

/** `sourceCommits` first seen in [from, to], read `LOAD_CHUNK_MS` of first-seen time at a time. */
async function sourceCommitsSeen(
  db: Db,
  channel: { name: string; sourceBranch: string },
  from: Date,
  to: Date,
): Promise<LagCommit[]> {
  const found: LagCommit[] = [];
  const toMs = to.getTime();
  for (let chunk = from.getTime(); chunk <= toMs; chunk += LOAD_CHUNK_MS) {
    const next = chunk + LOAD_CHUNK_MS;
    const rows = await sourceCommits(db, channel, [
      gte(commits.firstSeenAt, new Date(chunk)),
      next > toMs ? lte(commits.firstSeenAt, to) : lt(commits.firstSeenAt, new Date(next)),
    ]);
    for (const row of rows) found.push(row);
    if (next <= toMs) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return found;
}

/** What the window keeps of a commit seen before it: only one still missing at its start. */
export function inWindow(c: LagCommit, from: Date): boolean {
  const fromMs = from.getTime();
  return c.firstSeenAtMs >= fromMs || c.landedAtMs === null || c.landedAtMs > fromMs;
}

export async function firstSeenAt(
  db: Db,
  channel: { sourceBranch: string },
  sha: string,
): Promise<Date | null> {
  const [row] = await db
    .select({ at: commits.firstSeenAt })
    .from(commits)
    .where(and(eq(commits.sha, sha), eq(commits.firstSeenBranch, channel.sourceBranch)));
  return row?.at ?? null;
}

/** A channel's published releases (those with a publish time). */
export const published = (channel: string) =>
  and(
    eq(releases.channel, channel),
    eq(releases.state, "published"),
    sql`${releases.publishedAt} is not null`,
  );

const releaseColumns = {
  id: releases.id,
  name: releases.name,
  revision: releases.revision,
  revisionCommittedAt: releases.revisionCommittedAt,
  publishedAt: releases.publishedAt,
};

/** Releases published in the window and the one served at its start, oldest first. */
async function publishedInWindow(
  db: Db,
  channel: string,
  from: Date,
  to: Date,
): Promise<LagRelease[]> {
  const before = await db
    .select(releaseColumns)
    .from(releases)
    .where(and(published(channel), lt(releases.publishedAt, from)))
    .orderBy(desc(releases.publishedAt), desc(releases.id))
    .limit(1);
  const inWindow = await db
    .select(releaseColumns)
    .from(releases)
    .where(and(published(channel), gte(releases.publishedAt, from), lte(releases.publishedAt, to)))
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  return withCommitCounts(db, [...before, ...inWindow]);
}

/** Releases published after `after` up to `to`, oldest first, with their commit counts. */
export async function publishedAfter(
  db: Db,
  channel: string,
  after: Date,
  to: Date,
): Promise<LagRelease[]> {
  const rows = await db
    .select(releaseColumns)
    .from(releases)
    .where(and(published(channel), gt(releases.publishedAt, after), lte(releases.publishedAt, to)))
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  return withCommitCounts(db, rows);
}

async function withCommitCounts(
  db: Db,
  rows: {
    id: number;
    name: string;
    revision: string;
    revisionCommittedAt: Date | null;
    publishedAt: Date | null;
  }[],
): Promise<LagRelease[]> {
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
            revisionCommittedAtMs: r.revisionCommittedAt?.getTime() ?? null,
            publishedAtMs: r.publishedAt.getTime(),
            commits: brought.get(r.id) ?? 0,
          },
        ]
      : [],
  );
}

/**
 * Source-branch commits matching `where`, each with the publish time of the channel's first
 * release that brought it: looked up per commit (release_commits by sha), so the cost follows the
 * commits asked for, not every landing the channel ever recorded.
 */
export async function sourceCommits(
  db: Db,
  channel: { name: string; sourceBranch: string },
  where: SQL[],
): Promise<LagCommit[]> {
  // Spelled out: drizzle leaves columns unqualified in a one-table select, and `sha` is in both.
  const landedAt = sql<string | null>`(
    select min(r.published_at) from release_commits rc inner join releases r on r.id = rc.release_id
    where rc.sha = "commits"."sha" and r.channel = ${channel.name} and r.state = 'published'
      and r.published_at is not null
  )`;
  const rows = await db
    .select({
      sha: commits.sha,
      committedAt: commits.committedAt,
      firstSeenAt: commits.firstSeenAt,
      landedAt,
    })
    .from(commits)
    .where(and(eq(commits.firstSeenBranch, channel.sourceBranch), ...where));
  // Subquery values come back as strings from postgres.js and PGlite alike.
  return rows.map((r) => ({
    sha: r.sha,
    committedAtMs: r.committedAt.getTime(),
    firstSeenAtMs: r.firstSeenAt.getTime(),
    landedAtMs: r.landedAt === null ? null : new Date(r.landedAt).getTime(),
  }));
}
