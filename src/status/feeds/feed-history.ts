import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { events, releases } from "../../db/schema.ts";
import type { BlockReason } from "../../domain/decision.ts";

/** A published release as a feed entry needs it. */
export interface FeedRelease {
  channel: string;
  name: string;
  revision: string;
  evalId: number;
  revisionCommittedAt: Date | null;
  publishedAt: Date;
}

/** A recorded channel event that opens or closes a block (see `feedEntries`). */
export interface FeedEvent {
  id: number;
  channel: string;
  type: string;
  at: Date;
  summary: string;
  reasons: BlockReason[];
}

/** The event types the feeds read: a block begins, the pipeline fails, a block ends. */
export const FEED_EVENT_TYPES = [
  "channel.blocked",
  "tick.failed",
  "channel.unblocked",
  "channel.advanced",
] as const;

// safe because events' data is the TickOutcome recordOutcome stored (src/domain/tick-outcome.ts)
function reasonsOf(data: Record<string, unknown>): BlockReason[] {
  const decision = data.decision as { reasons?: BlockReason[] } | undefined;
  return decision?.reasons ?? [];
}

/**
 * The newest published releases and block-related events of some channels, each list bounded by
 * `limit`: what a feed is built from, read straight from the recorded history.
 */
export async function loadFeedHistory(
  db: Db,
  channels: string[],
  limit: number,
): Promise<{ releases: FeedRelease[]; events: FeedEvent[] }> {
  if (channels.length === 0) return { releases: [], events: [] };
  const releaseRows = await db
    .select({
      channel: releases.channel,
      name: releases.name,
      revision: releases.revision,
      evalId: releases.evalId,
      revisionCommittedAt: releases.revisionCommittedAt,
      publishedAt: releases.publishedAt,
    })
    .from(releases)
    .where(
      and(
        inArray(releases.channel, channels),
        eq(releases.state, "published"),
        isNotNull(releases.publishedAt),
      ),
    )
    .orderBy(desc(releases.publishedAt), desc(releases.id))
    .limit(limit);
  const eventRows = await db
    .select()
    .from(events)
    .where(and(inArray(events.channel, channels), inArray(events.type, [...FEED_EVENT_TYPES])))
    .orderBy(desc(events.at), desc(events.id))
    .limit(limit);
  return {
    releases: releaseRows.flatMap((r) =>
      r.publishedAt ? [{ ...r, publishedAt: r.publishedAt }] : [],
    ),
    events: eventRows.flatMap((e) =>
      e.channel
        ? [
            {
              id: e.id,
              channel: e.channel,
              type: e.type,
              at: e.at,
              summary: typeof e.data.summary === "string" ? e.data.summary : e.type,
              reasons: reasonsOf(e.data),
            },
          ]
        : [],
    ),
  };
}
