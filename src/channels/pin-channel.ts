import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { channels, releases } from "../db/schema.ts";
import { BadRequestError } from "../errors.ts";
import {
  type AdminActor,
  type AdminDeps,
  type AdminResult,
  applyAdminAction,
} from "./admin-action.ts";

/**
 * Serves an earlier published release at once and holds the channel there until `unpinChannel`.
 * Only the served pointer moves: the branch is never forced back (it stays where the newest release
 * put it), and the tick does not advance it while pinned.
 */
export function pinChannel(
  deps: AdminDeps,
  channel: string,
  input: { release: string; reason?: string },
  actor: AdminActor,
): Promise<AdminResult> {
  const entry = { channel, action: "pin" as const, reason: input.reason ?? null };
  return applyAdminAction(deps, entry, actor, async (tx) => {
    const [release] = await tx
      .select()
      .from(releases)
      .where(
        and(
          eq(releases.channel, channel),
          eq(releases.name, input.release),
          isNotNull(releases.publishedAt),
          // Retention deleted (or is deleting) its files: pinning it would serve 404s.
          isNull(releases.pruneStartedAt),
        ),
      );
    if (!release) {
      throw new BadRequestError(
        `"${input.release}" is not a published release of ${channel} whose files are kept; pin one listed under "Releases" on /channels/${channel}`,
        { channel, release: input.release },
      );
    }
    await tx
      .update(channels)
      .set({ pinnedReleaseId: release.id, pinnedReason: input.reason ?? null })
      .where(eq(channels.name, channel));
    return { release: release.name, revision: release.revision };
  });
}

export function unpinChannel(
  deps: AdminDeps,
  channel: string,
  input: { reason?: string },
  actor: AdminActor,
): Promise<AdminResult> {
  const entry = { channel, action: "unpin" as const, reason: input.reason ?? null };
  return applyAdminAction(deps, entry, actor, async (tx) => {
    const [before] = await tx
      .select({ release: releases.name })
      .from(channels)
      .innerJoin(releases, eq(releases.id, channels.pinnedReleaseId))
      .where(eq(channels.name, channel));
    await tx
      .update(channels)
      .set({ pinnedReleaseId: null, pinnedReason: null })
      .where(eq(channels.name, channel));
    return before ? { wasPinnedTo: before.release } : {};
  });
}
