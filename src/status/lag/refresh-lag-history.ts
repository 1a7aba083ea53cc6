import { gt, inArray, lte } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { commits } from "../../db/schema.ts";
import type { LagCommit } from "./compute-lag.ts";
import {
  firstSeenAt,
  inWindow,
  type LoadedLagHistory,
  publishedAfter,
  sourceCommits,
} from "./load-lag-history.ts";

const DAY_MS = 86_400_000;
/**
 * A tick stamps commits and releases with its start time and commits them later (after GitHub
 * and Hydra calls): a refresh re-reads this much before the last load so none is missed.
 */
export const REFRESH_OVERLAP_MS = 10 * 60_000;
const SHAS_PER_QUERY = 1000;

/**
 * Brings a loaded window up to `now` reading only what can have changed since it was loaded:
 * releases and commits recorded since (with an overlap), and the landings of commits that were
 * still missing. Null when the window's start moved back (a rollback): load it again instead.
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
  const all = [...kept.history.releases.filter((r) => r.publishedAt <= since), ...fresh];
  const firstInWindow = all.findIndex((r) => r.publishedAt >= from);
  const releases = all.slice(Math.max(0, (firstInWindow === -1 ? all.length : firstInWindow) - 1));
  const first = releases[0];
  const served = first && first.publishedAt < from ? first : null;
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
  const bySha = new Map<string, LagCommit>();
  const missing: string[] = [];
  for (const c of kept.history.commits) {
    if (c.firstSeenAt > since) continue;
    bySha.set(c.sha, c);
    if (c.landedAt === null) missing.push(c.sha);
  }
  // A landing can be recorded after its release (and a lookup records late ones): ask again.
  for (let i = 0; i < missing.length; i += SHAS_PER_QUERY) {
    const shas = missing.slice(i, i + SHAS_PER_QUERY);
    for (const c of await sourceCommits(db, channel, [inArray(commits.sha, shas)])) {
      bySha.set(c.sha, c);
    }
  }
  const recent = [gt(commits.firstSeenAt, since), lte(commits.firstSeenAt, now)];
  for (const c of await sourceCommits(db, channel, recent)) bySha.set(c.sha, c);
  const bound = start?.revisionSeenAt ?? new Date(0);
  return {
    history: {
      ...kept.history,
      releases,
      commits: [...bySha.values()].filter(
        (c) => c.firstSeenAt >= bound && c.firstSeenAt <= now && inWindow(c, from),
      ),
    },
    to: now,
    start,
  };
}
