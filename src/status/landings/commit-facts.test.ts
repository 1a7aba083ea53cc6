import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../../test/support/test-db.ts";
import defaultChannels from "../../config/channels.default.json" with { type: "json" };
import { parseChannelsFile } from "../../config/config.ts";
import type { Db, DbHandle } from "../../db/client.ts";
import { commits } from "../../db/schema.ts";
import { scaleHistory, YEAR } from "../../sim/year-history/history-shape.ts";
import { padChannels, seedHistory } from "../../sim/year-history/seed-history.ts";
import { batchedCommitFacts, commitFacts } from "./commit-facts.ts";

const specs = padChannels(parseChannelsFile(defaultChannels, "bundled"), 4);
const end = new Date("2026-11-01T00:00:00Z");

/** `db` counting the selects it is asked for. */
function counting(db: Db): { db: Db; selects: () => number } {
  let selects = 0;
  const proxy = new Proxy(db, {
    get(target, key, receiver) {
      if (key === "select") selects++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { db: proxy, selects: () => selects };
}

describe("batchedCommitFacts", () => {
  let handle: DbHandle;
  let shas: string[];
  beforeAll(async () => {
    handle = await createTestDb();
    await seedHistory(handle.db, { channels: specs, shape: scaleHistory(YEAR, 0.01), end });
    const rows = await handle.db
      .select({ sha: commits.sha })
      .from(commits)
      .orderBy(sql`md5(${commits.sha})`)
      .limit(40);
    shas = rows.map((r) => r.sha);
  }, 120_000);
  afterAll(() => handle?.close());

  it("answers concurrent lookups as one query each would, in two queries", async () => {
    // Prefixes, full shas, the same prefix twice, and one matching none.
    const asked = [
      ...shas.slice(0, 20).map((s) => s.slice(0, 7)),
      ...shas.slice(20),
      (shas[0] ?? "").slice(0, 7),
      "0000000",
    ];
    const { db, selects } = counting(handle.db);
    const batched = batchedCommitFacts(db);
    const together = await Promise.all(asked.map((p) => batched(p)));
    // The first asked alone (nothing was in flight), the rest together while it ran.
    expect(selects()).toBe(2);
    const alone = await Promise.all(asked.map((p) => commitFacts(handle.db, p)));
    expect(together).toEqual(alone);
    expect(together.filter((f) => f.length === 1).length).toBeGreaterThanOrEqual(41);
    expect(together.at(-1)).toEqual([]);
    expect(together.some((f) => f.some((c) => c.landed.size > 0 && c.pulls !== null))).toBe(true);
  });
});
