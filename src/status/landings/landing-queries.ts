import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import { buildsOfJob } from "../../db/builds-of-job.ts";
import type { Db } from "../../db/client.ts";
import {
  commits,
  hydraBuilds,
  hydraEvals,
  hydraJobsets,
  type Release,
  releaseCommits,
  releases,
} from "../../db/schema.ts";
import type { JobRef } from "../../hydra/hydra-api.ts";

export type KnownCommit = typeof commits.$inferSelect;

const FULL_SHA_LENGTH = 40;

/**
 * Known commits whose sha starts with `prefix` (lower-case hex), at most two: enough to see
 * ambiguity. A full sha is the primary key; a prefix is the byte range [prefix, prefix + "g")
 * ("g" sorts after every hex digit), which the `commits_sha_bytes` index serves in any collation.
 */
export function commitsByPrefix(db: Db, prefix: string): Promise<KnownCommit[]> {
  return db.select().from(commits).where(shaStartsWith(prefix)).limit(2);
}

/** The condition of `commitsByPrefix`: equality for a full sha, else the byte range. */
export function shaStartsWith(prefix: string): SQL | undefined {
  const bytes = sql`${commits.sha} collate "C"`;
  return prefix.length === FULL_SHA_LENGTH
    ? eq(commits.sha, prefix)
    : and(gte(bytes, prefix), lt(bytes, `${prefix}g`));
}

export type PublishedRef = Pick<Release, "id" | "channel" | "name" | "revision" | "publishedAt">;

const publishedRefColumns = {
  id: releases.id,
  channel: releases.channel,
  name: releases.name,
  revision: releases.revision,
  publishedAt: releases.publishedAt,
};

const published = (channel: string) =>
  and(eq(releases.channel, channel), eq(releases.state, "published"));

/** The first published release of `channel` recorded as bringing `sha`. */
export async function landedRelease(db: Db, channel: string, sha: string): Promise<Release | null> {
  const [row] = await db
    .select({ release: releases })
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(
      and(
        eq(releaseCommits.sha, sha),
        eq(releases.channel, channel),
        eq(releases.state, "published"),
      ),
    )
    .orderBy(asc(releases.publishedAt), asc(releases.id))
    .limit(1);
  return row?.release ?? null;
}

/**
 * For each channel, the first published release recorded as bringing `sha`: one query for every
 * channel of a lookup (through `release_commits_sha`) instead of one per channel, and only the
 * columns an answer shows (a release row's files and progress are most of its bytes).
 */
export async function landedReleases(db: Db, sha: string): Promise<Map<string, PublishedRef>> {
  const rows = await db
    .select(publishedRefColumns)
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(and(eq(releaseCommits.sha, sha), eq(releases.state, "published")))
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  const first = new Map<string, PublishedRef>();
  for (const release of rows) if (!first.has(release.channel)) first.set(release.channel, release);
  return first;
}

/**
 * The first published release of `channel` whose revision floodgate first saw on `branch` after
 * `seenAt`: by the recorded history alone, a release that has a commit first seen there then.
 */
export async function firstReleaseSeenAfter(
  db: Db,
  channel: string,
  branch: string,
  seenAt: Date,
): Promise<PublishedRef | null> {
  const [row] = await db
    .select(publishedRefColumns)
    .from(releases)
    .innerJoin(commits, eq(commits.sha, releases.revision))
    .where(
      and(published(channel), eq(commits.firstSeenBranch, branch), gt(commits.firstSeenAt, seenAt)),
    )
    .orderBy(asc(releases.publishedAt), asc(releases.id))
    .limit(1)
    .prepare("first_release_seen_after")
    .execute();
  return row ?? null;
}

/**
 * The published releases of a channel, oldest first, without their files: what a search needs.
 * With `since`, only those published since then, after the newest one before it (the search's
 * anchor), so a lookup of a recent commit reads days of releases, not the channel's whole history.
 */
export async function publishedReleases(
  db: Db,
  channel: string,
  opts: { since?: Date } = {},
): Promise<PublishedRef[]> {
  const columns = publishedRefColumns;
  if (!opts.since) {
    return db
      .select(columns)
      .from(releases)
      .where(published(channel))
      .orderBy(asc(releases.publishedAt), asc(releases.id));
  }
  const anchor = await db
    .select(columns)
    .from(releases)
    .where(and(published(channel), lt(releases.publishedAt, opts.since)))
    .orderBy(desc(releases.publishedAt), desc(releases.id))
    .limit(1);
  const since = await db
    .select(columns)
    .from(releases)
    .where(and(published(channel), gte(releases.publishedAt, opts.since)))
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  return [...anchor, ...since];
}

/** When the newest `limit` published releases of a channel came out, newest first. */
export async function recentPublishTimes(db: Db, channel: string, limit: number): Promise<Date[]> {
  const rows = await db
    .select({ publishedAt: releases.publishedAt })
    .from(releases)
    .where(and(published(channel), isNotNull(releases.publishedAt)))
    .orderBy(desc(releases.publishedAt), desc(releases.id))
    .limit(limit);
  return rows.flatMap((r) => (r.publishedAt ? [r.publishedAt] : []));
}

/** Evals whose channel gate (the aggregate build) Hydra has not finished, newest first. */
export async function runningGateEvals(
  db: Db,
  job: JobRef,
  limit = 3,
): Promise<{ evalId: number; revision: string }[]> {
  const gates = await db
    .select({ evalIds: hydraBuilds.evalIds })
    .from(hydraBuilds)
    .where(and(buildsOfJob(job), eq(hydraBuilds.finished, false)))
    .orderBy(desc(hydraBuilds.id))
    .limit(limit);
  const ids = gates.flatMap((g) => g.evalIds.slice(0, 1));
  if (ids.length === 0) return [];
  const evals = await db
    .select({ id: hydraEvals.id, revision: hydraEvals.revision })
    .from(hydraEvals)
    .where(inArray(hydraEvals.id, ids))
    .orderBy(desc(hydraEvals.id));
  return evals.flatMap((e) => (e.revision ? [{ evalId: e.id, revision: e.revision }] : []));
}

/**
 * Whether the newest eval of `job`'s jobset is building and saw `sha`: Hydra checked the inputs
 * after floodgate first saw the commit on a branch, and builds are still scheduled. Hydra's API has
 * no cheap way to name that eval, so this answers from the last `/api/jobsets` row.
 */
export async function buildingEvalSaw(db: Db, job: JobRef, sha: string): Promise<boolean> {
  const [progress] = await db
    .select()
    .from(hydraJobsets)
    .where(and(eq(hydraJobsets.project, job.project), eq(hydraJobsets.jobset, job.jobset)));
  if (!progress?.lastCheckedAt || progress.scheduled === 0) return false;
  const [commit] = await db.select().from(commits).where(eq(commits.sha, sha));
  return commit !== undefined && commit.firstSeenAt <= progress.lastCheckedAt;
}
