import { and, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { DEFAULT_KEEP_RELEASES } from "../config/config.ts";
import { channels, events, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { errorCode, errorMessage } from "../errors.ts";
import { INDEX_FILE, releasePrefix } from "./release-paths.ts";
import { findReleaseReferences } from "./release-references.ts";
import { chooseReleasesToPrune, keepReferenced, type PruneChoice } from "./retention.ts";

export interface PrunedRelease {
  id: number;
  name: string;
  files: number;
  reason: string;
}

export interface PruneReport {
  channel: string;
  keep: number | null;
  pruned: PrunedRelease[];
  /** What a dry run would delete. */
  wouldPrune: { name: string; reason: string }[];
  /** Releases old enough to go that are kept because something names them (`findReleaseReferences`). */
  keptReferenced: { name: string; why: string[] }[];
}

type PruneDeps = Pick<Deps, "db" | "store" | "clock" | "logger" | "keepReleases">;

/** The channel's own `keepReleases`, else FLOODGATE_KEEP_RELEASES (default 30); null keeps all. */
export function keepFor(deps: Pick<Deps, "keepReleases">, spec: ChannelSpec): number | null {
  if (spec.keepReleases !== undefined) return spec.keepReleases;
  return deps.keepReleases === undefined ? DEFAULT_KEEP_RELEASES : deps.keepReleases;
}

/**
 * Deletes the files of a channel's releases that retention no longer keeps (see `chooseReleasesToPrune`;
 * a release something still names is kept, see `findReleaseReferences`).
 * Safe to crash and to run twice: a release is first marked (`prune_started_at`) in one statement
 * that re-checks it is neither served nor pinned, then its files go (the index first, so it stops
 * looking complete), then `pruned_at` and a `release.pruned` event are written together. A release
 * left marked by a crash is finished by the next run. A marked release is never served again.
 */
export async function pruneChannel(
  deps: PruneDeps,
  spec: ChannelSpec,
  opts: { dryRun?: boolean } = {},
): Promise<PruneReport> {
  const keep = keepFor(deps, spec);
  const report: PruneReport = {
    channel: spec.name,
    keep,
    pruned: [],
    wouldPrune: [],
    keptReferenced: [],
  };
  const log = deps.logger.child({ channel: spec.name, step: "retention" });

  const rows = await deps.db
    .select({
      id: releases.id,
      name: releases.name,
      state: releases.state,
      publishedAt: releases.publishedAt,
      pruneStartedAt: releases.pruneStartedAt,
      prunedAt: releases.prunedAt,
    })
    .from(releases)
    .where(eq(releases.channel, spec.name));
  const [pointers] = await deps.db
    .select({ current: channels.currentReleaseId, pinned: channels.pinnedReleaseId })
    .from(channels)
    .where(eq(channels.name, spec.name));
  const protectedIds = new Set(
    [pointers?.current, pointers?.pinned].filter((id): id is number => typeof id === "number"),
  );
  const candidates = chooseReleasesToPrune(rows, { keep, protectedIds });
  const referenced =
    candidates.length === 0
      ? { prune: [], kept: [] }
      : keepReferenced(candidates, await findReleaseReferences(deps.db, spec));
  const choices = referenced.prune;
  report.keptReferenced = referenced.kept;
  for (const kept of referenced.kept) {
    log.info("release kept: referenced", { release: kept.name, why: kept.why, keep });
  }
  if (opts.dryRun) {
    report.wouldPrune = choices.map((c) => ({ name: c.release.name, reason: c.reason }));
    return report;
  }

  const marked = await markForPruning(deps, choices);
  const unfinished = rows.filter((r) => r.pruneStartedAt !== null && r.prunedAt === null);
  for (const r of unfinished.filter((u) => protectedIds.has(u.id))) {
    // Pinned (or served) after it was marked: its files stay; the mark keeps it out of later runs.
    log.warn("release marked for pruning is served or pinned; keeping its files", {
      release: r.name,
    });
  }
  const reasons = new Map(choices.map((c) => [c.release.id, c.reason]));
  const resumed = unfinished.filter((u) => !protectedIds.has(u.id));
  for (const release of [...resumed, ...marked]) {
    const reason = reasons.get(release.id) ?? "finishing a deletion that was interrupted";
    const files = await deleteReleaseFiles(deps, spec.name, release.name);
    const done = await recordPruned(deps, spec.name, { ...release, files, reason });
    if (!done) continue;
    report.pruned.push({ id: release.id, name: release.name, files, reason });
    log.info("release pruned", { release: release.name, files, reason, keep });
  }
  return report;
}

/** Marks the chosen releases in one statement that skips any the channel now serves or pins. */
async function markForPruning(
  deps: PruneDeps,
  choices: PruneChoice[],
): Promise<{ id: number; name: string }[]> {
  if (choices.length === 0) return [];
  return deps.db
    .update(releases)
    .set({ pruneStartedAt: deps.clock.now() })
    .where(
      and(
        inArray(
          releases.id,
          choices.map((c) => c.release.id),
        ),
        isNull(releases.pruneStartedAt),
        sql`not exists (select 1 from ${channels} where ${or(
          eq(channels.currentReleaseId, releases.id),
          and(isNotNull(channels.pinnedReleaseId), eq(channels.pinnedReleaseId, releases.id)),
        )})`,
      ),
    )
    .returning({ id: releases.id, name: releases.name });
}

/** Deletes every object of the release, its index first; returns how many there were. */
async function deleteReleaseFiles(deps: PruneDeps, channel: string, name: string): Promise<number> {
  const prefix = releasePrefix(channel, name);
  const keys = await deps.store.list(prefix);
  const index = `${prefix}/${INDEX_FILE}`;
  const ordered = [...keys.filter((k) => k === index), ...keys.filter((k) => k !== index)];
  for (const key of ordered) await deps.store.delete(key);
  return keys.length;
}

/** `pruned_at` and the event in one transaction; false when another run recorded it first. */
async function recordPruned(
  deps: PruneDeps,
  channel: string,
  release: { id: number; name: string; files: number; reason: string },
): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const updated = await tx
      .update(releases)
      .set({ prunedAt: now })
      .where(and(eq(releases.id, release.id), isNull(releases.prunedAt)))
      .returning({ id: releases.id });
    if (updated.length === 0) return false;
    await tx.insert(events).values({
      channel,
      type: "release.pruned",
      at: now,
      data: {
        release: release.name,
        releaseId: release.id,
        files: release.files,
        reason: release.reason,
        summary: `release ${release.name} deleted (${release.files} files): ${release.reason}`,
      },
    });
    return true;
  });
}

/** Retention after a publish: best effort, since a failed deletion must never fail a release. */
export async function pruneAfterPublish(deps: PruneDeps, spec: ChannelSpec): Promise<void> {
  try {
    await pruneChannel(deps, spec);
  } catch (err) {
    deps.logger.warn("retention failed; the next publish or `floodgate prune` retries it", {
      channel: spec.name,
      step: "retention",
      code: errorCode(err),
      error: errorMessage(err),
    });
  }
}
