import { createTtlLru, singleFlight } from "../../ttl-lru.ts";

/** How long a lookup's answer is reused when nothing was published: the live GitHub parts age. */
export const LOOKUP_ANSWER_TTL_MS = 30_000;
/** Answers kept: keys are what clients typed, so they must not grow memory without end. */
export const LOOKUP_ANSWER_MAX_ENTRIES = 2_000;

/**
 * Lookup answers kept for a short while and until the channel read model's generation moves (a
 * flip or a tick): a commit or PR many people ask about at once (an announced fix) costs one
 * lookup's queries and GitHub reads, not one per request. Concurrent lookups of one key share the
 * one in flight; a failure (404, GitHub down) is never kept.
 */
export function answerCache<T>(opts: {
  generation: () => Promise<number>;
  nowMs?: () => number;
  ttlMs?: number;
  maxEntries?: number;
}): (key: string, answer: () => Promise<T>) => Promise<T> {
  const kept = createTtlLru<string, T>({
    maxEntries: opts.maxEntries ?? LOOKUP_ANSWER_MAX_ENTRIES,
    ttlMs: opts.ttlMs ?? LOOKUP_ANSWER_TTL_MS,
    now: opts.nowMs ?? Date.now,
  });
  const shared = singleFlight<T>();
  return async (key, answer) => {
    const versioned = `${await opts.generation()} ${key}`;
    const hit = kept.get(versioned);
    if (hit !== undefined) return hit;
    return shared(versioned, async () => {
      const value = await answer();
      kept.set(versioned, value);
      return value;
    });
  };
}
