import { join } from "node:path";
import { createDb, type DbHandle } from "./client.ts";
import { runMigrations, runPostgresMigrations } from "./migrate.node.ts";
import { createPgliteDb, type DataDirClaim } from "./pglite.node.ts";

/**
 * Postgres when a URL is given, else embedded PGlite under the data dir, owned by this process
 * while open (see `claim`); migrated either way.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  claim: DataDirClaim;
}): Promise<DbHandle> {
  if (opts.databaseUrl) {
    await runPostgresMigrations(opts.databaseUrl);
    return createDb(opts.databaseUrl);
  }
  const handle = await createPgliteDb(join(opts.dataDir, "db"), opts.claim);
  try {
    await runMigrations(handle.db);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}
