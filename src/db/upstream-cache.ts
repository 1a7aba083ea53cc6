import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Db } from "./client.ts";
import { upstreamCache } from "./schema.ts";

export interface UpstreamEntry {
  /** The validator to send back (`If-None-Match`); null for answers kept for a period instead. */
  etag: string | null;
  body: unknown;
  storedAt: Date;
}

/**
 * Conditional-request state: what an upstream last answered, by key. Kept in the database so a
 * `floodgate tick` from cron and each Workers invocation start from what the last one learned.
 */
export interface UpstreamCache {
  get(key: string): Promise<UpstreamEntry | null>;
  put(key: string, entry: UpstreamEntry): Promise<void>;
  /** The entry was confirmed (a 304): keep it ahead of the ones pruning drops. */
  touch(key: string, at: Date): Promise<void>;
}

/** Rows kept; the least recently used go first. A tick needs a handful per channel. */
export const UPSTREAM_CACHE_ROWS = 1000;
/**
 * How stale a row's `used_at` may get before a confirmation (a 304) writes it again. Every write is
 * a new row version, and the embedded database never vacuums on its own: touched on each 304, an
 * idle tick of two channels left ~4 dead rows (3.4 KB) behind, for ever. Pruning only needs to know
 * which of 1000 rows went unused longest, so an hour is fine-grained enough.
 */
export const UPSTREAM_CACHE_TOUCH_MS = 3_600_000;

export function createDbUpstreamCache(db: Db, maxRows = UPSTREAM_CACHE_ROWS): UpstreamCache {
  return {
    async get(key) {
      const [row] = await db
        .select({
          etag: upstreamCache.etag,
          body: upstreamCache.body,
          storedAt: upstreamCache.storedAt,
        })
        .from(upstreamCache)
        .where(eq(upstreamCache.key, key));
      return row ?? null;
    },
    async put(key, entry) {
      const row = { ...entry, usedAt: entry.storedAt };
      await db
        .insert(upstreamCache)
        .values({ key, ...row })
        .onConflictDoUpdate({ target: upstreamCache.key, set: row });
      const overflow = db
        .select({ key: upstreamCache.key })
        .from(upstreamCache)
        .orderBy(desc(upstreamCache.usedAt))
        .offset(maxRows);
      await db.delete(upstreamCache).where(inArray(upstreamCache.key, overflow));
    },
    async touch(key, at) {
      const stale = new Date(at.getTime() - UPSTREAM_CACHE_TOUCH_MS);
      await db
        .update(upstreamCache)
        .set({ usedAt: at })
        .where(and(eq(upstreamCache.key, key), lt(upstreamCache.usedAt, stale)));
    },
  };
}

/** The same in memory, for a host wired without a database (unit tests, one-off scripts). */
export function createMemoryUpstreamCache(maxRows = UPSTREAM_CACHE_ROWS): UpstreamCache {
  const rows = new Map<string, UpstreamEntry>();
  const use = (key: string, entry: UpstreamEntry) => {
    rows.delete(key);
    rows.set(key, entry);
    for (const oldest of rows.keys()) {
      if (rows.size <= maxRows) break;
      rows.delete(oldest);
    }
  };
  return {
    get: async (key) => rows.get(key) ?? null,
    put: async (key, entry) => use(key, entry),
    touch: async (key) => {
      const entry = rows.get(key);
      if (entry) use(key, entry);
    },
  };
}
