import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { AppError, errorMessage } from "../errors.ts";
import { createDb, type DbHandle } from "./client.ts";
import { runPostgresMigrations } from "./migrate.node.ts";
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
  checkDataDir(opts.dataDir);
  const handle = await createPgliteDb(join(opts.dataDir, "db"), opts.claim);
  try {
    await runPostgresMigrations(handle.connection);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}

// Before PGlite sees it: PGlite reports a read-only or impossible directory as ENOENT deep inside.
function checkDataDir(dataDir: string): void {
  try {
    makeDir(dataDir);
    accessSync(dataDir, constants.W_OK);
  } catch (err) {
    throw new AppError(
      "DATA_DIR_UNUSABLE",
      `FLOODGATE_DATA_DIR ${dataDir}: cannot create or write it: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}

// Not `mkdirSync(…, { recursive: true })`: under /proc it retries forever (ENOENT with the parent there).
function makeDir(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    const code = err instanceof Error && "code" in err ? err.code : undefined;
    if (code === "EEXIST" && statSync(path).isDirectory()) return;
    if (code !== "ENOENT" || dirname(path) === path) throw err;
    makeDir(dirname(path));
    mkdirSync(path);
  }
}
