import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createDb, type DbConnection, type DbHandle } from "./client.ts";
import { acquireDataDirLock } from "./data-dir-lock.node.ts";
import { startPgliteThread } from "./pglite-thread.node.ts";

/**
 * PostgreSQL's defaults size its buffer pool for a server (`shared_buffers` 128 MB, all of it in
 * the WASM heap once touched: most of `floodgate serve`'s memory with a year of history). Embedded,
 * the files are in the OS page cache anyway; a small pool costs a read through it now and then,
 * in PGlite's own thread (16 MB instead of 32: 18 MiB less resident, pages' p99 unchanged).
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

/** An embedded database: always reached through its thread's socket (migrations connect there too). */
export interface EmbeddedDb extends DbHandle {
  connection: DbConnection;
}

/** Who opens a data dir, for the lock: the command's name, and how long to wait for another owner. */
export interface DataDirClaim {
  command: string;
  waitMs: number;
}

/**
 * Embedded PostgreSQL (WASM) in a data directory, or in memory when `dataDir` is undefined, run in
 * a worker thread and reached through postgres.js as a server is (pglite-thread.node.ts). A data
 * directory is owned by one process at a time (`<dataDir>.lock`): two PGlite instances on one
 * directory corrupt it for good. Not migrated: see `openDatabase`.
 */
export async function createPgliteDb(
  dataDir?: string,
  claim: DataDirClaim = { command: "open", waitMs: 0 },
): Promise<EmbeddedDb> {
  if (!dataDir) return connect({}, () => {});
  // PGlite.create only makes the last path segment.
  mkdirSync(dirname(dataDir), { recursive: true });
  const lock = await acquireDataDirLock(`${dataDir}.lock`, claim);
  try {
    const handle = await connect({ dataDir }, () => lock.release());
    return { ...handle, advertise: (control) => lock.advertise(control) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** An in-memory database starting from a data dir's dump (`PGlite.dumpDataDir`, uncompressed). */
export function createPgliteFromDump(dump: Uint8Array): Promise<EmbeddedDb> {
  return connect({ loadDataDir: dump }, () => {});
}

async function connect(
  from: { dataDir?: string; loadDataDir?: Uint8Array },
  released: () => void,
): Promise<EmbeddedDb> {
  const thread = await startPgliteThread({ ...from, startParams: PGLITE_START_PARAMS });
  // One connection: PGlite is one backend, and one connection keeps this process's queries in
  // order without the thread having to take turns between connections.
  const client = createDb(thread.connection.url, { max: 1, path: thread.connection.path });
  return {
    db: client.db,
    connection: thread.connection,
    lost: thread.lost,
    close: async () => {
      try {
        await client.close();
        await thread.stop();
      } finally {
        released();
      }
    },
  };
}
