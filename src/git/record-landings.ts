import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { commits, type Release, releaseCommits, releases } from "../db/schema.ts";
import type { Logger } from "../log.ts";
import type { GitHost } from "./git-host.ts";
import { latestBranchHead } from "./latest-branch-head.ts";

/** A release of nixos-unstable brings a few hundred to a few thousand commits; past this, lookups fall back to compare. */
export const MAX_LANDED_COMMITS = 5000;

export interface RecordLandingsDeps {
  db: Db;
  git: GitHost;
  logger: Logger;
}

/**
 * Records which commits a published release brought into its channel: compare from the previous
 * release's revision (or, for a channel's first release, the branch head seen before it) to the
 * release's revision. Idempotent: a release that already has landings is left alone.
 */
export async function recordLandings(
  deps: RecordLandingsDeps,
  release: Release,
  channel: { branch: string; previousReleaseId: number | null },
  now: Date,
  opts: { maxCommits?: number } = {},
): Promise<number> {
  const [done] = await deps.db
    .select({ sha: releaseCommits.sha })
    .from(releaseCommits)
    .where(eq(releaseCommits.releaseId, release.id))
    .limit(1);
  if (done) return 0;
  const log = deps.logger.child({
    channel: release.channel,
    release: release.name,
    step: "landings",
  });

  const base = await baseRevision(deps.db, release, channel);
  const max = opts.maxCommits ?? MAX_LANDED_COMMITS;
  const cmp = base ? await deps.git.compare(base, release.revision, { maxCommits: max }) : null;
  if (cmp && cmp.aheadBy > cmp.commits.length) {
    log.warn("release brought more commits than recorded", {
      from: base,
      aheadBy: cmp.aheadBy,
      recorded: cmp.commits.length,
    });
  }
  const brought = [...(cmp?.commits ?? []).filter((c) => c.sha !== release.revision)];
  const revision = { sha: release.revision, committedAt: release.revisionCommittedAt ?? now };
  const all = [...brought, revision];
  for (let i = 0; i < all.length; i += 500) {
    const chunk = all.slice(i, i + 500);
    // Commits never seen on a tracked branch (a first release) become known here.
    await deps.db
      .insert(commits)
      .values(
        chunk.map((c) => ({
          sha: c.sha,
          committedAt: c.committedAt,
          firstSeenAt: now,
          firstSeenBranch: channel.branch,
        })),
      )
      .onConflictDoNothing();
    await deps.db
      .insert(releaseCommits)
      .values(chunk.map((c) => ({ releaseId: release.id, sha: c.sha })))
      .onConflictDoNothing();
  }
  log.info("landings recorded", { from: base, commits: all.length, aheadBy: cmp?.aheadBy ?? 1 });
  return all.length;
}

async function baseRevision(
  db: Db,
  release: Release,
  channel: { branch: string; previousReleaseId: number | null },
): Promise<string | null> {
  if (channel.previousReleaseId !== null) {
    const [previous] = await db
      .select({ revision: releases.revision })
      .from(releases)
      .where(eq(releases.id, channel.previousReleaseId));
    if (previous) return previous.revision;
  }
  const before = await latestBranchHead(db, channel.branch, { except: release.revision });
  return before?.sha ?? null;
}
