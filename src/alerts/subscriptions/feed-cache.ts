import { createTtlLru } from "../../ttl-lru.ts";

/** A rendered private feed and what it was rendered from. */
export interface CachedFeed {
  subscriptionId: number;
  /** The channels whose notices it shows: a change to one of them makes it stale. */
  channels: string[];
  body: string;
}

/**
 * Rendered subscription feeds by token hash, so a feed reader's poll is answered without a
 * database round trip. A feed is stale once a channel it listens to changed (every notice is
 * written by a tick or the follow pass, which announce their channels through `ChannelChanges`),
 * and at the latest after `ttlMs` (where no change reaches this process: a Worker's isolate).
 */
export interface SubscriptionFeedCache {
  get(tokenHash: string): CachedFeed | undefined;
  /** Call before reading the notices: a change announced while they are read wins. */
  versionOf(channels: string[]): string;
  set(tokenHash: string, feed: CachedFeed, version: string): void;
  channelChanged(channel: string): void;
  readonly size: number;
}

export function createSubscriptionFeedCache(
  opts: { maxEntries?: number; ttlMs?: number; now?: () => number } = {},
): SubscriptionFeedCache {
  const entries = createTtlLru<string, { feed: CachedFeed; version: string }>({
    maxEntries: opts.maxEntries ?? 1000,
    ttlMs: opts.ttlMs ?? 60_000,
    now: opts.now ?? Date.now,
  });
  // Per channel, how many changes this process heard of; a feed keeps the counts it was read at.
  const changes = new Map<string, number>();
  const versionOf = (channels: string[]) => channels.map((c) => changes.get(c) ?? 0).join(",");
  return {
    get(tokenHash) {
      const entry = entries.get(tokenHash);
      return entry && entry.version === versionOf(entry.feed.channels) ? entry.feed : undefined;
    },
    versionOf,
    set(tokenHash, feed, version) {
      entries.set(tokenHash, { feed, version });
    },
    channelChanged(channel) {
      changes.set(channel, (changes.get(channel) ?? 0) + 1);
    },
    get size() {
      return entries.size;
    },
  };
}
