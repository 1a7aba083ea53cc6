import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { createDb, type DbHandle } from "../../src/db/client.ts";
import { createPgliteFromTemplate } from "./pglite-template.ts";
import { buildPostgresTemplate } from "./postgres-template.ts";

/**
 * A fresh, migrated database owned by one test file: a new database on the server named by
 * FLOODGATE_TEST_DATABASE_URL (dropped on close), else in-memory PGlite. Never touches shared tables.
 * Both are copies of a template migrated once per migrations folder (see test/support/*-template.ts);
 * tests of the migrations themselves run them on databases of their own.
 */
export async function createTestDb(): Promise<DbHandle & { url?: string }> {
  const baseUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
  if (baseUrl) return createServerTestDb(baseUrl);
  return createPgliteFromTemplate();
}

const templates = new Map<string, Promise<string>>();

/** A new, migrated database on the server at `baseUrl`, dropped on close. */
export async function createServerTestDb(baseUrl: string): Promise<DbHandle & { url: string }> {
  let template = templates.get(baseUrl);
  if (!template) {
    template = buildPostgresTemplate(baseUrl);
    templates.set(baseUrl, template);
  }
  const name = `floodgate_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${await template}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
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
