import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import type { DbHandle } from "../../src/db/client.ts";
import { runPgliteMigrations } from "../../src/db/migrate.node.ts";
import { createPgliteFromDump } from "../../src/db/pglite.node.ts";
import * as schema from "../../src/db/schema.ts";
import { migrationsKey } from "./migrations-key.ts";

/**
 * An in-memory PGlite loaded from a migrated data dir (a tarball under the OS temp dir), so a test
 * file skips initdb and the migrations: both together cost seconds per PGlite, loading a fraction.
 * It runs in a thread of its own, reached through postgres.js, as floodgate's embedded database is.
 */
export async function createPgliteFromTemplate(): Promise<DbHandle> {
  return createPgliteFromDump(readFileSync(await buildPgliteTemplate()));
}

let building: Promise<void> | undefined;

/**
 * The template tarball's path, built first if missing. vitest's globalSetup builds it once per run;
 * a process that finds none (a script, a run without the config) builds its own and renames it
 * into place, so concurrent builders never expose a half-written file.
 */
export async function buildPgliteTemplate(): Promise<string> {
  const path = join(tmpdir(), `floodgate-pglite-template-${migrationsKey()}.tar`);
  if (existsSync(path)) return path;
  building ??= writeTemplate(path);
  await building;
  return path;
}

async function writeTemplate(path: string): Promise<void> {
  const client = await PGlite.create();
  try {
    await runPgliteMigrations(drizzle(client, { schema }));
    const tarball = await client.dumpDataDir("none");
    const partial = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
    try {
      writeFileSync(partial, new Uint8Array(await tarball.arrayBuffer()));
      renameSync(partial, path);
    } finally {
      rmSync(partial, { force: true });
    }
  } finally {
    await client.close();
  }
}
