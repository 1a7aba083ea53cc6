import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPostgresMigrations } from "../../src/db/migrate.node.ts";
import { runFloodgate } from "../support/floodgate-process.ts";

const baseUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
const ROUNDS = Number(process.env.FLOODGATE_MIGRATE_ROUNDS ?? 4);

/** Migrations take PostgreSQL's advisory lock: processes starting at once on a fresh database take turns. */
describe.skipIf(!baseUrl)("migrating one PostgreSQL database from two processes at once", () => {
  const admin = postgres(baseUrl ?? "postgres://unused", { max: 1, onnotice: () => {} });
  const created: string[] = [];
  const freshDatabase = async () => {
    const name = `floodgate_test_migrate_${Date.now()}_${randomBytes(4).toString("hex")}`;
    await admin.unsafe(`create database "${name}"`);
    created.push(name);
    const url = new URL(baseUrl ?? "");
    url.pathname = `/${name}`;
    return url.toString();
  };
  beforeAll(async () => {
    await admin`select 1`;
  });
  afterAll(async () => {
    for (const name of created)
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  });

  it("both succeed, and the schema is applied once", {
    timeout: 60_000 + ROUNDS * 60_000,
  }, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const env = { DATABASE_URL: await freshDatabase() };
      const results = await Promise.all([
        runFloodgate(["migrate"], env),
        runFloodgate(["migrate"], env),
      ]);
      for (const r of results) expect(r.code, `round ${round}: ${r.stderr}`).toBe(0);
      const db = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        const applied = await db`select hash from drizzle.__drizzle_migrations`;
        const hashes = applied.map((row) => String(row.hash));
        expect(new Set(hashes).size, `round ${round}`).toBe(hashes.length);
      } finally {
        await db.end({ timeout: 5 });
      }
    }
  });

  it("many migrators in one process take turns too", { timeout: 120_000 }, async () => {
    for (let round = 1; round <= ROUNDS * 2; round++) {
      const url = await freshDatabase();
      await Promise.all(Array.from({ length: 3 }, () => runPostgresMigrations(url)));
    }
  });
});
