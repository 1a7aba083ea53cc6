import type { UpstreamCache } from "../../db/upstream-cache.ts";

/** An open channel-blocker issue as stored: channel names are sought in `text` when read. */
export interface StoredIssue {
  number: number;
  title: string;
  url: string;
  createdAt: string;
  /** Title and the start of the body (BLOCKER_TEXT_LIMIT): where an issue names channels. */
  text: string;
}

/** Enough of a body to hold the channel names an issue is about; bodies run to pages of logs. */
export const BLOCKER_TEXT_LIMIT = 4_096;

export interface StoredBlockers {
  fetchedAt: string;
  issues: StoredIssue[];
}

// One upstream_cache entry, so every process and the Worker read what the last refresh found.
const KEY = "status blocker-issues";

export async function readBlockers(cache: UpstreamCache): Promise<StoredBlockers | null> {
  const entry = await cache.get(KEY);
  // safe because only writeBlockers stores this key
  return entry ? (entry.body as StoredBlockers) : null;
}

export async function writeBlockers(cache: UpstreamCache, value: StoredBlockers, at: Date) {
  await cache.put(KEY, { etag: null, body: value, storedAt: at });
}
