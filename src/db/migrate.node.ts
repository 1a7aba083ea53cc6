import { fileURLToPath } from "node:url";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Db, Schema } from "./client.ts";

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

// Any fixed number, the same in every floodgate: the key of the migration lock among advisory locks.
const MIGRATION_LOCK_KEY = 0x666c6f6f;

/** Applies the committed drizzle-kit migrations to an embedded database; safe on every start. */
export async function runMigrations(db: Db): Promise<void> {
  // safe because callers pass the drizzle instance createPgliteDb built around PGlite.
  await migratePglite(db as PgliteDatabase<Schema>, { migrationsFolder });
}

/**
 * Applies the migrations to the PostgreSQL database at `url` under a session advisory lock, so that
 * processes starting at once on a fresh database take turns (the second finds nothing left to do).
 * One connection of its own: a pool could take the lock on one connection and migrate on another.
 */
export async function runPostgresMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzle(sql), { migrationsFolder });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    // Closing the session also releases the lock when a migration failed.
    await sql.end({ timeout: 5 });
  }
}
