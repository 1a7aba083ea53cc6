import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { releases } from "../../db/schema.ts";

export interface Advance {
  revision: string;
  publishedAt: Date;
}

/** Every published release of a channel, oldest first: what channels.nix.gsc.io's history lists. */
export async function advanceHistory(db: Db, channel: string): Promise<Advance[]> {
  const rows = await db
    .select({ revision: releases.revision, publishedAt: releases.publishedAt })
    .from(releases)
    .where(
      and(
        eq(releases.channel, channel),
        eq(releases.state, "published"),
        isNotNull(releases.publishedAt),
      ),
    )
    .orderBy(asc(releases.publishedAt), asc(releases.id));
  return rows.flatMap((r) =>
    r.publishedAt ? [{ revision: r.revision, publishedAt: r.publishedAt }] : [],
  );
}
