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
  /** With `weightOf`: past this total weight (e.g. bytes) the least recently used go first too. */
  maxWeight?: number;
  weightOf?: (value: V) => number;
}): TtlLru<K, V> {
  // A Map iterates in insertion order; re-inserting on use keeps the oldest first.
  const entries = new Map<K, { value: V; expiresAt: number; weight: number }>();
  const maxWeight = opts.maxWeight ?? Number.POSITIVE_INFINITY;
  let weight = 0;
  const remove = (key: K) => {
    weight -= entries.get(key)?.weight ?? 0;
    entries.delete(key);
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= opts.now()) {
        weight -= entry.weight;
        return undefined;
      }
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, ttlMs = opts.ttlMs) {
      remove(key);
      const entryWeight = opts.weightOf?.(value) ?? 0;
      if (opts.maxEntries <= 0 || ttlMs <= 0 || entryWeight > maxWeight) return;
      entries.set(key, { value, expiresAt: opts.now() + ttlMs, weight: entryWeight });
      weight += entryWeight;
      for (const oldest of entries.keys()) {
        if (entries.size <= opts.maxEntries && weight <= maxWeight) break;
        remove(oldest);
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
