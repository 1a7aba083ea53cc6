import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import type { DbHandle } from "./client.ts";
import { acquireDataDirLock } from "./data-dir-lock.node.ts";
import * as schema from "./schema.ts";

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
    const client = await PGlite.create();
    return { db: drizzle(client, { schema }), close: () => client.close() };
  }
  // PGlite.create only makes the last path segment.
  mkdirSync(dirname(dataDir), { recursive: true });
  const lock = await acquireDataDirLock(`${dataDir}.lock`, claim);
  try {
    const client = await PGlite.create(dataDir);
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
