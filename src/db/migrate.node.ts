import { fileURLToPath } from "node:url";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { Db, Schema } from "./client.ts";

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Applies the committed drizzle-kit migrations in order; safe to run on every start. */
export async function runMigrations(db: Db, driver: "pglite" | "postgres"): Promise<void> {
  // safe because the driver name comes from the factory that built `db`.
  if (driver === "pglite") await migratePglite(db as PgliteDatabase<Schema>, { migrationsFolder });
  else await migratePostgres(db as PostgresJsDatabase<Schema>, { migrationsFolder });
}
