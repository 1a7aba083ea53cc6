import { desc, eq, sql } from "drizzle-orm";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { channels, type Release, releases } from "../../db/schema.ts";
import type { BlockReason, DecisionNote } from "../../domain/decision.ts";
import { channelDir } from "../../publish/release-paths.ts";
import type { UnblockReport } from "../../unblock/unblock-types.ts";
import { type ChannelSnapshotEntry, loadChannelSnapshot } from "./channel-snapshot.ts";

export interface ChannelStatus {
  name: string;
  status: ChannelSpec["status"];
  variant: NonNullable<ChannelSpec["variant"]> | null;
  job: string;
  branch: string;
  release: {
    name: string;
    revision: string;
    url: string;
    revisionCommittedAt: string | null;
    publishedAt: string | null;
  } | null;
  /** Seconds since the revision's commit and since the release was published (DESIGN.md "Lag"). */
  revisionAgeSeconds: number | null;
  updateAgeSeconds: number | null;
  /** An admin's freeze and pin (`release` above is then the pinned one: what users get). */
  frozen: { reason: string } | null;
  pin: { release: string; reason: string | null } | null;
  state: "advanced" | "blocked" | "idle" | "error" | "unknown";
  summary: string;
  reasons: BlockReason[];
  /** Beside the decision: a newer eval building, page-only work that failed (never blocking). */
  notes: DecisionNote[];
  blockedSince: string | null;
  lastTickAt: string | null;
  /** The unblock assistant's report when failed constituents block the channel (src/unblock). */
  unblock: UnblockReport | null;
}

const ageSeconds = (now: Date, then: Date | null) =>
  then ? Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000)) : null;

// safe because lastOutcome is a TickOutcome written by recordOutcome (src/domain/tick-outcome.ts)
function decisionOf(outcome: Record<string, unknown> | null) {
  return outcome?.decision as { reasons?: BlockReason[]; notes?: DecisionNote[] } | undefined;
}

function reasonsOf(outcome: Record<string, unknown> | null): BlockReason[] {
  return decisionOf(outcome)?.reasons ?? [];
}

function notesOf(outcome: Record<string, unknown> | null): DecisionNote[] {
  const onAdvance = outcome?.notes as DecisionNote[] | undefined;
  return decisionOf(outcome)?.notes ?? onAdvance ?? [];
}

/** The read model behind `/`, `/api/v1/channels` and `floodgate status`. */
export async function listChannelStatus(
  db: Db,
  specs: ChannelSpec[],
  now: Date,
  publicUrl: string,
): Promise<ChannelStatus[]> {
  const snapshot = await loadChannelSnapshot(
    db,
    specs.map((s) => s.name),
  );
  return channelStatuses(specs, snapshot, now, publicUrl);
}

/** Pure: each configured channel's status from a snapshot of the rows (see `read-model/`). */
export function channelStatuses(
  specs: ChannelSpec[],
  snapshot: ReadonlyMap<string, ChannelSnapshotEntry>,
  now: Date,
  publicUrl: string,
): ChannelStatus[] {
  return specs.map((spec) => {
    const entry = snapshot.get(spec.name);
    const row = entry?.row;
    const release = entry?.release ?? undefined;
    const outcome = row?.lastOutcome ?? null;
    return {
      name: spec.name,
      status: spec.status,
      variant: spec.variant ?? null,
      job: `${spec.job.project}/${spec.job.jobset}/${spec.job.job}`,
      branch: spec.branch,
      release: release
        ? {
            name: release.name,
            revision: release.revision,
            url: `${publicUrl}/releases/${channelDir(spec.name)}/${release.name}`,
            revisionCommittedAt: release.revisionCommittedAt?.toISOString() ?? null,
            publishedAt: release.publishedAt?.toISOString() ?? null,
          }
        : null,
      revisionAgeSeconds: ageSeconds(now, release?.revisionCommittedAt ?? null),
      updateAgeSeconds: ageSeconds(now, release?.publishedAt ?? null),
      frozen: row?.frozen ? { reason: row.frozenReason ?? "frozen by an admin" } : null,
      pin:
        row?.pinnedReleaseId != null
          ? { release: release?.name ?? "", reason: row.pinnedReason ?? null }
          : null,
      state: (outcome?.kind as ChannelStatus["state"] | undefined) ?? "unknown",
      summary: outcome?.summary ?? "not ticked yet",
      reasons: reasonsOf(outcome),
      notes: notesOf(outcome),
      blockedSince: row?.blockedSince?.toISOString() ?? null,
      lastTickAt: row?.lastTickAt?.toISOString() ?? null,
      // safe because lastOutcome is a TickOutcome written by recordOutcome
      unblock:
        (outcome?.kind === "blocked" ? (outcome.unblock as UnblockReport | undefined) : null) ??
        null,
    };
  });
}

/** Newest published releases of a channel, newest first. */
export async function listReleases(db: Db, channel: string, limit = 50): Promise<Release[]> {
  return db
    .select()
    .from(releases)
    .where(eq(releases.channel, channel))
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(limit);
}

/** What the redirect routes need to find a channel's served release (pinned, else current). */
export async function currentReleaseOf(db: Db, channel: string): Promise<Release | null> {
  const [row] = await db
    .select({ release: releases })
    .from(channels)
    .innerJoin(
      releases,
      eq(releases.id, sql`coalesce(${channels.pinnedReleaseId}, ${channels.currentReleaseId})`),
    )
    .where(eq(channels.name, channel));
  return row?.release ?? null;
}
