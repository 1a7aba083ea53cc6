import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../test/support/test-db.ts";
import type { DbHandle } from "./client.ts";
import { channels, releases } from "./schema.ts";

describe("database", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it("applies the migrations and round-trips a release", async () => {
    const { db } = handle;
    await db.insert(channels).values({ name: "nixos-db-test" });
    const [row] = await db
      .insert(releases)
      .values({
        channel: "nixos-db-test",
        name: "nixos-26.11pre1.0123456789ab",
        revision: "0123456789abcdef0123456789abcdef01234567",
        evalId: 1_830_001,
        buildId: 310_000_001,
        createdAt: new Date("2026-11-01T00:00:00Z"),
        files: [{ name: "git-revision", size: 40, sha256: "ab".repeat(32) }],
      })
      .returning();
    expect(row?.state).toBe("pending");
    const found = await db.select().from(releases).where(eq(releases.channel, "nixos-db-test"));
    expect(found[0]?.files?.[0]?.name).toBe("git-revision");
    expect(found[0]?.buildId).toBe(310_000_001);
  });
});
