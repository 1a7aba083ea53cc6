import postgres from "postgres";

/**
 * A new, empty database on the server at `serverUrl` for one bench run, dropped by `drop`; null
 * (after saying so) when the server cannot be reached, so the bench goes on with PGlite only.
 */
export async function scratchDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> } | null> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  const name = `${prefix}_${Date.now()}`;
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (err) {
    console.log(`PostgreSQL at ${serverUrl} unavailable (${String(err)}): its runs are skipped`);
    await admin.end({ timeout: 1 });
    return null;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
