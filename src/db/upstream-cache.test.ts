import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../test/support/test-db.ts";
import type { DbHandle } from "./client.ts";
import { upstreamCache } from "./schema.ts";
import { createDbUpstreamCache, UPSTREAM_CACHE_TOUCH_MS } from "./upstream-cache.ts";

const T0 = new Date("2026-11-01T00:00:00Z");
const later = (ms: number) => new Date(T0.getTime() + ms);

describe("the database's upstream cache", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  /** The row version (`xmin` changes with every write of the row), and its `used_at`. */
  async function version(key: string) {
    const [row] = await handle.db
      .select({ xmin: sql<string>`xmin::text`, usedAt: upstreamCache.usedAt })
      .from(upstreamCache)
      .where(eq(upstreamCache.key, key));
    return row;
  }

  it("writes a confirmed entry again only once its last use is an hour old", async () => {
    const cache = createDbUpstreamCache(handle.db);
    await cache.put("github /repos/NixOS/nixpkgs/branches/master", {
      etag: '"v1"',
      body: { sha: "a" },
      storedAt: T0,
    });
    const stored = await version("github /repos/NixOS/nixpkgs/branches/master");

    // An idle tick's 304s, every minute for most of an hour: no new row version, so nothing for
    // a vacuum to reclaim (the embedded database has none).
    for (let minute = 1; minute < 60; minute += 10) {
      await cache.touch("github /repos/NixOS/nixpkgs/branches/master", later(minute * 60_000));
    }
    expect(await version("github /repos/NixOS/nixpkgs/branches/master")).toEqual(stored);

    await cache.touch(
      "github /repos/NixOS/nixpkgs/branches/master",
      later(UPSTREAM_CACHE_TOUCH_MS + 1),
    );
    const touched = await version("github /repos/NixOS/nixpkgs/branches/master");
    expect(touched?.xmin).not.toBe(stored?.xmin);
    expect(touched?.usedAt).toEqual(later(UPSTREAM_CACHE_TOUCH_MS + 1));
    expect(await cache.get("github /repos/NixOS/nixpkgs/branches/master")).toEqual({
      etag: '"v1"',
      body: { sha: "a" },
      storedAt: T0,
    });
  });

  it("drops the entries unused longest beyond its size, counting hourly confirmations", async () => {
    // This file's own database: the rows the test above left would count against the size.
    await handle.db.delete(upstreamCache);
    const cache = createDbUpstreamCache(handle.db, 2);
    const entry = (n: number) => ({ etag: `"${n}"`, body: { n }, storedAt: later(n) });
    await cache.put("prune a", entry(1));
    await cache.put("prune b", entry(2));
    // "a" is confirmed two hours on, so "b" is now the one unused longest.
    await cache.touch("prune a", later(2 * UPSTREAM_CACHE_TOUCH_MS));
    await cache.put("prune c", { ...entry(3), storedAt: later(3 * UPSTREAM_CACHE_TOUCH_MS) });
    expect(await cache.get("prune b")).toBeNull();
    expect((await cache.get("prune a"))?.body).toEqual({ n: 1 });
    expect((await cache.get("prune c"))?.body).toEqual({ n: 3 });
  });
});
