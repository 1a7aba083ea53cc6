import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.ts";

export type Schema = typeof schema;
/** The one database type domain code sees, whichever driver (postgres.js, PGlite) is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** A server's URL, and for the embedded one (a PGlite thread) the Unix socket it listens on. */
export interface DbConnection {
  url: string;
  path?: string;
}

export interface DbHandle {
  db: Db;
  /** Where migrations and other dedicated sessions connect. */
  connection?: DbConnection;
  /** Embedded databases only: settles if the database's thread ends while in use. */
  lost?: Promise<Error>;
  /** Embedded databases only: tells other processes where the owner takes their requests. */
  advertise?(control: { url: string; token: string }): void;
  close(): Promise<void>;
  /** LISTEN on a dedicated connection (postgres.js re-listens after reconnecting); absent on PGlite. */
  listen?(topic: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

/** postgres.js client: Node, and Workers through Hyperdrive (edge-safe with nodejs_compat). */
export function createDb(url: string, opts: { max?: number; path?: string } = {}): DbHandle {
  const sql = postgres(url, {
    max: opts.max ?? 5,
    onnotice: () => {},
    ...(opts.path ? { path: opts.path } : {}),
  });
  return {
    db: drizzle(sql, { schema }),
    close: () => sql.end({ timeout: 5 }),
    listen: async (topic, onPayload) => {
      const { unlisten } = await sql.listen(topic, onPayload);
      return unlisten;
    },
  };
}
