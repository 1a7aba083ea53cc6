import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../test/support/test-db.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { createSharedRateLimiter, reservePaceSlot } from "./shared-rate-limiter.ts";

describe("the Hydra pace shared through the database", () => {
  let db: DbHandle & { url?: string };
  // On PostgreSQL a second pool stands for another process; PGlite has one connection anyway.
  let other: DbHandle;
  beforeAll(async () => {
    db = await createTestDb();
    other = db.url ? createDb(db.url) : db;
  });
  afterAll(async () => {
    if (other !== db) await other.close();
    await db.close();
  });

  it("gives every caller, in any process, its own start, one interval after the previous", async () => {
    const intervalMs = 500;
    const slots = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        reservePaceSlot((i % 2 ? other : db).db, "hydra-spacing", intervalMs),
      ),
    );
    const starts = slots.map((s) => s.startAtMs).sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? 0));
    // A reservation arriving after the previous slot passed starts later, never sooner.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(intervalMs - 0.01);
    expect(gaps.filter((gap) => Math.abs(gap - intervalMs) < 0.01).length).toBeGreaterThan(0);
    expect(Math.max(...slots.map((s) => s.waitMs))).toBeGreaterThan(0);
  });

  it("lets the first request start at once and makes the next one wait its turn", async () => {
    const sleeps: number[] = [];
    const limiter = (handle: DbHandle) =>
      createSharedRateLimiter({
        db: handle.db,
        name: "hydra-waits",
        requestsPerSecond: 2,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
    await limiter(db).acquire();
    expect(sleeps).toEqual([]);
    await limiter(other).acquire();
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(0);
    expect(sleeps[0]).toBeLessThanOrEqual(500);
  });

  it("refuses a pace that is not positive", () => {
    expect(() => createSharedRateLimiter({ db: db.db, name: "x", requestsPerSecond: 0 })).toThrow(
      /requestsPerSecond/,
    );
  });
});
