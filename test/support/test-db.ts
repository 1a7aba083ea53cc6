import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { createDb, type DbHandle } from "../../src/db/client.ts";
import { runMigrations, runPostgresMigrations } from "../../src/db/migrate.node.ts";
import { createPgliteDb } from "../../src/db/pglite.node.ts";

/**
 * A fresh, migrated database owned by one test file: a new database on the server named by
 * FLOODGATE_TEST_DATABASE_URL (dropped on close), else in-memory PGlite. Never touches shared tables.
 */
export async function createTestDb(): Promise<DbHandle & { url?: string }> {
  const baseUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
  if (baseUrl) return createServerTestDb(baseUrl);
  const handle = await createPgliteDb();
  await runMigrations(handle.db);
  return handle;
}

/** A new, migrated database on the server at `baseUrl`, dropped on close. */
export async function createServerTestDb(baseUrl: string): Promise<DbHandle & { url: string }> {
  const name = `floodgate_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  await runPostgresMigrations(url.toString());
  const handle = createDb(url.toString());
  return {
    db: handle.db,
    url: url.toString(),
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
