import { createTtlLru, singleFlight } from "../../ttl-lru.ts";
import { heldSnapshot } from "../read-model/channel-read-model.ts";
import { isUpstreamUnavailable, OUTAGE_HOLD_MS } from "./upstream-outage.ts";

/** How long a lookup's answer is reused when nothing was published: the live GitHub parts age. */
export const LOOKUP_ANSWER_TTL_MS = 30_000;
/**
 * How long an answer GitHub could not help with (partial, or a failure such as an unknown sha
 * while GitHub is down) is reused: as long as lookups hold off GitHub after an outage, so the
 * answer improves soon after GitHub is back, and a busy commit costs one lookup per hold, not one
 * per request.
 */
export const DEGRADED_ANSWER_TTL_MS = OUTAGE_HOLD_MS;
/** Answers kept: keys are what clients typed, so they must not grow memory without end. */
export const LOOKUP_ANSWER_MAX_ENTRIES = 2_000;

/**
 * The read model's generation as held (`heldSnapshot`): with `current()`, every lookup, cached
 * answers too, waited each 5 s for a reload behind the database's queue (on PGlite, behind every
 * cold lookup's queries); a flip's announced reload lands in milliseconds anyway.
 */
export function heldGeneration(readModel: {
  current(): Promise<{ generation: number }>;
  peek(): { generation: number } | null;
}): () => Promise<number> {
  return async () => (await heldSnapshot(readModel)).generation;
}

type Kept<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface AnswerCache<T> {
  /** The kept answer for `key`, else `answer()`'s (shared with concurrent askers), kept. */
  (key: string, answer: () => Promise<T>): Promise<T>;
  /** The kept answer for `key` at `generation`, without waiting: Node's fast path serves it. */
  peek(generation: number, key: string): T | undefined;
}

/**
 * Lookup answers kept for a short while and until the channel read model's generation moves (a
 * flip or a tick): a commit or PR many people ask about at once (an announced fix) costs one
 * lookup's queries and GitHub reads, not one per request. Concurrent lookups of one key share the
 * one in flight. Degraded answers (`isDegraded`) and failures because GitHub is unavailable are
 * kept only `degradedTtlMs`; other failures (404, bad input, bugs) are never kept.
 */
export function answerCache<T>(opts: {
  generation: () => Promise<number>;
  nowMs?: () => number;
  ttlMs?: number;
  degradedTtlMs?: number;
  isDegraded?: (value: T) => boolean;
  maxEntries?: number;
}): AnswerCache<T> {
  const kept = createTtlLru<string, Kept<T>>({
    maxEntries: opts.maxEntries ?? LOOKUP_ANSWER_MAX_ENTRIES,
    ttlMs: opts.ttlMs ?? LOOKUP_ANSWER_TTL_MS,
    now: opts.nowMs ?? Date.now,
  });
  const degradedTtlMs = opts.degradedTtlMs ?? DEGRADED_ANSWER_TTL_MS;
  const shared = singleFlight<T>();
  const cached = async (key: string, answer: () => Promise<T>): Promise<T> => {
    const versioned = `${await opts.generation()} ${key}`;
    const hit = kept.get(versioned);
    if (hit?.ok) return hit.value;
    if (hit) throw hit.error;
    return shared(versioned, async () => {
      try {
        const value = await answer();
        const ttl = opts.isDegraded?.(value) ? degradedTtlMs : undefined;
        kept.set(versioned, { ok: true, value }, ttl);
        return value;
      } catch (error) {
        if (isUpstreamUnavailable(error)) kept.set(versioned, { ok: false, error }, degradedTtlMs);
        throw error;
      }
    });
  };
  const peek = (generation: number, key: string): T | undefined => {
    const hit = kept.get(`${generation} ${key}`);
    return hit?.ok ? hit.value : undefined;
  };
  return Object.assign(cached, { peek });
}
