import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client.ts";
import * as schema from "./schema.ts";

/** floodgate's tables, from the schema the migrations are made from. */
export const TABLES = Object.values(schema)
  .filter((value) => is(value, PgTable))
  .map((table) => getTableName(table))
  .sort();

/**
 * `VACUUM (ANALYZE)` of each of floodgate's tables, one at a time. PGlite runs PostgreSQL's
 * single-user backend, which has no autovacuum: the row versions every update and delete leaves
 * behind are never reclaimed (tables and indexes only grow), the planner's statistics are never
 * gathered, and no page is ever marked all-visible (no index-only scans). One table at a time, so
 * the ticks and reads waiting on the one backend get a turn between them: a year of history took
 * 1.0 s in all, 0.4 s at most for one table (hydra_builds). A PostgreSQL server does this itself;
 * running it there too is harmless.
 */
export async function vacuumTables(db: Db): Promise<void> {
  // VACUUM takes no parameters, and may not run in a transaction (drizzle opens none here).
  for (const table of TABLES) await db.execute(sql.raw(`vacuum (analyze) "${table}"`));
}
