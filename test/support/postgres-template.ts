import postgres from "postgres";
import { runPostgresMigrations } from "../../src/db/migrate.node.ts";
import { migrationsKey } from "./migrations-key.ts";

// Any fixed number, not the migration lock's: serialises template builds among concurrent runs.
const TEMPLATE_LOCK_KEY = 0x666c7470;

/**
 * The name of a migrated database on the server at `baseUrl` that test databases are copied from
 * (`create database … template …`), built once per migrations key. Several `vitest run`s may share
 * one server: an advisory lock lets one build while the others wait and then find it. The build
 * happens under another name and is renamed when complete, so a crashed build is never a template.
 */
export async function buildPostgresTemplate(baseUrl: string): Promise<string> {
  const name = `floodgate_template_${migrationsKey()}`;
  const building = `${name}_building`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(${TEMPLATE_LOCK_KEY})`;
    const found = await admin`select 1 from pg_database where datname = ${name}`;
    if (found.length === 0) {
      await admin.unsafe(`drop database if exists "${building}" with (force)`);
      await admin.unsafe(`create database "${building}"`);
      const url = new URL(baseUrl);
      url.pathname = `/${building}`;
      await runPostgresMigrations(url.toString());
      await admin.unsafe(`alter database "${building}" rename to "${name}"`);
    }
    await admin`select pg_advisory_unlock(${TEMPLATE_LOCK_KEY})`;
    return name;
  } finally {
    // Closing the session also releases the lock when the build failed.
    await admin.end({ timeout: 5 });
  }
}
