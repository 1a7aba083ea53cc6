import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../test/support/test-db.ts";
import type { DbHandle } from "./client.ts";
import { VACUUM_EVERY_MS, vacuumWhenDue } from "./vacuum-when-due.node.ts";

const T0 = new Date("2026-11-01T03:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

describe("vacuumWhenDue", () => {
  let handle: DbHandle;
  let dir: string;
  beforeAll(async () => {
    handle = await createTestDb();
    dir = await mkdtemp(join(tmpdir(), "floodgate-vacuum-"));
  });
  afterAll(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("vacuums when nothing says it did, then once a day", async () => {
    const marker = join(dir, "db.vacuumed");
    expect(await vacuumWhenDue(handle.db, marker, T0)).toBe(true);
    expect(await readFile(marker, "utf8")).toBe(`${T0.toISOString()}\n`);
    expect(await vacuumWhenDue(handle.db, marker, at(3_600_000))).toBe(false);
    expect(await vacuumWhenDue(handle.db, marker, at(VACUUM_EVERY_MS - 1))).toBe(false);
    expect(await vacuumWhenDue(handle.db, marker, at(VACUUM_EVERY_MS))).toBe(true);
    expect(await readFile(marker, "utf8")).toBe(`${at(VACUUM_EVERY_MS).toISOString()}\n`);
  });

  it("vacuums when the marker is unreadable or from the future (a clock set back)", async () => {
    const marker = join(dir, "odd.vacuumed");
    await writeFile(marker, "not a time\n");
    expect(await vacuumWhenDue(handle.db, marker, T0)).toBe(true);
    await writeFile(marker, `${at(VACUUM_EVERY_MS * 10).toISOString()}\n`);
    expect(await vacuumWhenDue(handle.db, marker, T0)).toBe(true);
    expect(await vacuumWhenDue(handle.db, marker, at(60_000))).toBe(false);
  });
});
