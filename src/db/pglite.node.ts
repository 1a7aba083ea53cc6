import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import type { DbHandle } from "./client.ts";
import { acquireDataDirLock } from "./data-dir-lock.node.ts";
import * as schema from "./schema.ts";

/**
 * PostgreSQL's defaults size its buffer pool for a server (`shared_buffers` 128 MB, all of it in
 * the WASM heap once touched: most of `floodgate serve`'s memory with a year of history). Embedded,
 * the files are in the OS page cache anyway; a small pool costs a read through it now and then.
 */
const PGLITE_OPTIONS = {
  startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"],
};

/** Who opens a data dir, for the lock: the command's name, and how long to wait for another owner. */
export interface DataDirClaim {
  command: string;
  waitMs: number;
}

/**
 * Embedded PostgreSQL (WASM) in a data directory, or in memory when `dataDir` is undefined. A data
 * directory is owned by one process at a time (`<dataDir>.lock`): two PGlite instances on one
 * directory corrupt it for good.
 */
export async function createPgliteDb(
  dataDir?: string,
  claim: DataDirClaim = { command: "open", waitMs: 0 },
): Promise<DbHandle> {
  if (!dataDir) {
    const client = await PGlite.create(PGLITE_OPTIONS);
    return { db: drizzle(client, { schema }), close: () => client.close() };
  }
  // PGlite.create only makes the last path segment.
  mkdirSync(dirname(dataDir), { recursive: true });
  const lock = await acquireDataDirLock(`${dataDir}.lock`, claim);
  try {
    const client = await PGlite.create(dataDir, PGLITE_OPTIONS);
    return {
      db: drizzle(client, { schema }),
      advertise: (control) => lock.advertise(control),
      close: async () => {
        try {
          await client.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
