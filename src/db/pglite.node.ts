import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import type { DbHandle } from "./client.ts";
import * as schema from "./schema.ts";

/** Embedded PostgreSQL (WASM) in a data directory, or in memory when `dataDir` is undefined. */
export async function createPgliteDb(dataDir?: string): Promise<DbHandle> {
  // PGlite.create only makes the last path segment.
  if (dataDir) mkdirSync(dirname(dataDir), { recursive: true });
  const client = await PGlite.create(dataDir);
  return { db: drizzle(client, { schema }), close: () => client.close() };
}
