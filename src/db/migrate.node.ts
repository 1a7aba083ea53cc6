import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { AppError, errorMessage } from "../errors.ts";
import { projectPath } from "../project-path.node.ts";
import type { DbConnection, Schema } from "./client.ts";

export const migrationsFolder = projectPath("migrations");

// A silent server (a firewall dropping packets) fails start-up in this time rather than 30 s.
const CONNECT_TIMEOUT_S = 10;
// Any fixed number, the same in every floodgate: the key of the migration lock among advisory locks.
const MIGRATION_LOCK_KEY = 0x666c6f6f;

/** Applies the migrations to a PGlite in this thread (the tests' template; floodgate's own runs in a thread). */
export async function runPgliteMigrations(db: PgliteDatabase<Schema>): Promise<void> {
  await migratePglite(db, { migrationsFolder });
}

/**
 * Applies the migrations to the PostgreSQL database at `url` (or the embedded one's socket) under a
 * session advisory lock, so that processes starting at once on a fresh database take turns (the
 * second finds nothing left to do). One connection of its own: a pool could take the lock on one
 * connection and migrate on another.
 */
export async function runPostgresMigrations(target: string | DbConnection): Promise<void> {
  const { url, path } = typeof target === "string" ? { url: target, path: undefined } : target;
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: CONNECT_TIMEOUT_S,
    ...(path ? { path } : {}),
  });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.catch((err: unknown) => {
      throw new AppError(
        "DATABASE_UNREACHABLE",
        `DATABASE_URL ${withoutPassword(url)}: ${why(err)}`,
        {
          cause: err,
        },
      );
    });
    await migratePostgres(drizzle(sql), { migrationsFolder });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    // Closing the session also releases the lock when a migration failed.
    await sql.end({ timeout: 5 });
  }
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

function why(err: unknown): string {
  const code = err instanceof Error && "code" in err ? String(err.code) : "";
  const message = errorMessage(err);
  const reason = code && !message.includes(code) ? `${message} (${code})` : message;
  return `cannot connect or log in: ${reason}`;
}
