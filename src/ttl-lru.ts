/** A bounded map whose entries expire: past `maxEntries` the least recently used go first. */
export interface TtlLru<K, V> {
  get(key: K): V | undefined;
  /** Stores `value` for `ttlMs` (default: the cache's). */
  set(key: K, value: V, ttlMs?: number): void;
  readonly size: number;
}

export function createTtlLru<K, V>(opts: {
  maxEntries: number;
  ttlMs: number;
  now: () => number;
}): TtlLru<K, V> {
  // A Map iterates in insertion order; re-inserting on use keeps the oldest first.
  const entries = new Map<K, { value: V; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= opts.now()) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, ttlMs = opts.ttlMs) {
      entries.delete(key);
      if (opts.maxEntries <= 0 || ttlMs <= 0) return;
      entries.set(key, { value, expiresAt: opts.now() + ttlMs });
      for (const oldest of entries.keys()) {
        if (entries.size <= opts.maxEntries) break;
        entries.delete(oldest);
      }
    },
    get size() {
      return entries.size;
    },
  };
}

/** Concurrent calls with the same key share the first one's promise until it settles. */
export function singleFlight<V>(): (key: string, fn: () => Promise<V>) => Promise<V> {
  const inFlight = new Map<string, Promise<V>>();
  return (key, fn) => {
    const running = inFlight.get(key);
    if (running) return running;
    // Through an async function, so a synchronous throw also rejects every caller alike.
    const started = (async () => fn())().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
