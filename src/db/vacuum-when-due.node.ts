import { readFile, writeFile } from "node:fs/promises";
import type { Db } from "./client.ts";
import { vacuumTables } from "./vacuum.ts";

/** How often the embedded database is vacuumed, whichever process owns it then. */
export const VACUUM_EVERY_MS = 24 * 3_600_000;

/**
 * Vacuums the embedded database (`vacuumTables`) unless `markerPath` says it was done less than
 * VACUUM_EVERY_MS ago, then records when. The time lives in a file beside the database, not in it:
 * PGlite keeps no statistics (`last_vacuum`) across restarts, and a `floodgate tick` from cron is
 * a new process each time. Returns whether it vacuumed.
 */
export async function vacuumWhenDue(db: Db, markerPath: string, now: Date): Promise<boolean> {
  const last = Date.parse((await readFile(markerPath, "utf8").catch(() => "")).trim());
  if (Number.isFinite(last) && last <= now.getTime() && now.getTime() - last < VACUUM_EVERY_MS) {
    return false;
  }
  await vacuumTables(db);
  await writeFile(markerPath, `${now.toISOString()}\n`);
  return true;
}
