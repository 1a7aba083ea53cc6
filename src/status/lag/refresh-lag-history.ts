import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { commits, releaseCommits, releases } from "../../db/schema.ts";
import type { LagCommit } from "./compute-lag.ts";
import {
  firstSeenAt,
  inWindow,
  type LoadedLagHistory,
  published,
  publishedAfter,
  sourceCommits,
} from "./load-lag-history.ts";

const DAY_MS = 86_400_000;
/**
 * A tick stamps commits and releases with its start time and commits them later (after GitHub
 * and Hydra calls): a refresh re-reads this much before the last load so none is missed.
 */
export const REFRESH_OVERLAP_MS = 10 * 60_000;

/**
 * Brings a loaded window up to `now` reading only what can have changed since it was loaded:
 * releases and commits recorded since (with an overlap) and the landings those releases brought. Null when the window's start moved back (a rollback): load it again instead.
 */
export async function refreshLagWindow(
  db: Db,
  channel: { name: string; sourceBranch: string },
  kept: LoadedLagHistory,
  now: Date,
  days: number,
): Promise<LoadedLagHistory | null> {
  const from = new Date(now.getTime() - days * DAY_MS);
  const since = new Date(kept.to.getTime() - REFRESH_OVERLAP_MS);
  const fresh = await publishedAfter(db, channel.name, since, now);
  const all = [
    ...kept.history.releases.filter((r) => r.publishedAtMs <= since.getTime()),
    ...fresh,
  ];
  const firstInWindow = all.findIndex((r) => r.publishedAtMs >= from.getTime());
  const releases = all.slice(Math.max(0, (firstInWindow === -1 ? all.length : firstInWindow) - 1));
  const first = releases[0];
  const served = first && first.publishedAtMs < from.getTime() ? first : null;
  let start = kept.start;
  if (served?.name !== kept.start?.release) {
    if (!served) return null;
    start = {
      release: served.name,
      revisionSeenAt: await firstSeenAt(db, channel, served.revision),
    };
    const before = kept.start?.revisionSeenAt;
    if (before && (!start.revisionSeenAt || start.revisionSeenAt < before)) return null;
  }
  // Landings come with new releases (recorded right after the flip, within the overlap); a
  // landing recorded later by a lookup shows at the next whole load.
  const landed = await landingsOf(db, channel.name, since, now);
  const bySha = new Map<string, LagCommit>();
  for (const c of kept.history.commits) {
    if (c.firstSeenAtMs > since.getTime()) continue;
    const at = landed.get(c.sha);
    const earlier = at !== undefined && (c.landedAtMs === null || at < c.landedAtMs);
    bySha.set(c.sha, earlier ? { ...c, landedAtMs: at } : c);
  }
  const recent = [gt(commits.firstSeenAt, since), lte(commits.firstSeenAt, now)];
  for (const c of await sourceCommits(db, channel, recent)) bySha.set(c.sha, c);
  const bound = start?.revisionSeenAt?.getTime() ?? 0;
  return {
    history: {
      ...kept.history,
      releases,
      commits: [...bySha.values()].filter(
        (c) => c.firstSeenAtMs >= bound && c.firstSeenAtMs <= now.getTime() && inWindow(c, from),
      ),
    },
    to: now,
    start,
  };
}

/** The earliest publish time of each commit the channel's releases published in (after, to] brought. */
async function landingsOf(db: Db, channel: string, after: Date, to: Date) {
  const rows = await db
    .select({ sha: releaseCommits.sha, at: releases.publishedAt })
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(and(published(channel), gt(releases.publishedAt, after), lte(releases.publishedAt, to)));
  const landed = new Map<string, number>();
  for (const { sha, at } of rows) {
    const known = landed.get(sha);
    const atMs = at?.getTime();
    if (atMs !== undefined && (known === undefined || atMs < known)) landed.set(sha, atMs);
  }
  return landed;
}
