import { join } from "node:path";
import { createDb, type DbHandle } from "./client.ts";
import { runMigrations } from "./migrate.node.ts";
import { createPgliteDb } from "./pglite.node.ts";

/** Postgres when a URL is given, else embedded PGlite under the data dir; migrated either way. */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
}): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const handle = createDb(opts.databaseUrl);
    await runMigrations(handle.db, "postgres");
    return handle;
  }
  const handle = await createPgliteDb(join(opts.dataDir, "db"));
  await runMigrations(handle.db, "pglite");
  return handle;
}
