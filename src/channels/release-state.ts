import { and, eq, exists, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { channels, type Release, releases } from "../db/schema.ts";

/** The tick's claim on a channel: its name and the lease token every write is fenced with. */
export interface LeaseFence {
  channel: string;
  token: string;
}

const holdsLease = (db: Db, fence: LeaseFence) =>
  exists(
    db
      .select({ name: channels.name })
      .from(channels)
      .where(and(eq(channels.name, fence.channel), eq(channels.leaseOwner, fence.token))),
  );

/**
 * Moves a release from the state it is expected in, only while this tick holds the lease. Null
 * when the row moved meanwhile (another process, an admin) or the lease is gone.
 */
export async function moveRelease(
  db: Db,
  fence: LeaseFence,
  release: Release,
  patch: Partial<Release>,
): Promise<Release | null> {
  const [updated] = await db
    .update(releases)
    .set({ ...patch, lastError: null, attempts: 0, nextAttemptAt: null })
    .where(
      and(eq(releases.id, release.id), eq(releases.state, release.state), holdsLease(db, fence)),
    )
    .returning();
  return updated ?? null;
}

export type FlipResult = { kind: "flipped" } | { kind: "lost"; currentId: number | null };

/**
 * The channel pointer's compare-and-set: from the release the tick decided on to `release`, in one
 * transaction with the release's own `published` state, fenced by the lease.
 */
export async function flipPointer(
  db: Db,
  fence: LeaseFence,
  release: Release,
  expectedCurrentId: number | null,
  now: Date,
): Promise<FlipResult> {
  return db.transaction(async (tx) => {
    const flipped = await tx
      .update(channels)
      .set({ currentReleaseId: release.id })
      .where(
        and(
          eq(channels.name, fence.channel),
          eq(channels.leaseOwner, fence.token),
          expectedCurrentId === null
            ? isNull(channels.currentReleaseId)
            : eq(channels.currentReleaseId, expectedCurrentId),
        ),
      )
      .returning({ name: channels.name });
    if (flipped.length === 0) {
      const [row] = await tx
        .select({ currentId: channels.currentReleaseId })
        .from(channels)
        .where(eq(channels.name, fence.channel));
      return { kind: "lost", currentId: row?.currentId ?? null };
    }
    await tx
      .update(releases)
      .set({ state: "published", publishedAt: release.publishedAt ?? now, lastError: null })
      .where(eq(releases.id, release.id));
    return { kind: "flipped" };
  });
}
