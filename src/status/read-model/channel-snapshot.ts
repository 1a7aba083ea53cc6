import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type Channel, channels, type Release, releases } from "../../db/schema.ts";

/** One configured channel as the public reads see it: its row and the release it serves. */
export interface ChannelSnapshotEntry {
  row: Channel | null;
  /** The served release: an admin's pin if there is one, else the current pointer. */
  release: Release | null;
}

/**
 * Every named channel's row and served release in one query. Channels without a row (never
 * ticked) map to `{ row: null, release: null }`.
 */
export async function loadChannelSnapshot(
  db: Db,
  names: string[],
): Promise<Map<string, ChannelSnapshotEntry>> {
  const served = sql`coalesce(${channels.pinnedReleaseId}, ${channels.currentReleaseId})`;
  const rows = names.length
    ? await db
        .select({ row: channels, release: releases })
        .from(channels)
        .leftJoin(releases, eq(releases.id, served))
        .where(inArray(channels.name, names))
    : [];
  const byName = new Map(rows.map((r) => [r.row.name, r]));
  return new Map(
    names.map((name) => {
      const found = byName.get(name);
      return [name, { row: found?.row ?? null, release: found?.release ?? null }];
    }),
  );
}
