import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { channels } from "../db/schema.ts";

const LEASE_MS = 10 * 60_000;

/**
 * One advancer per channel. A lease row, not a session advisory lock: PGlite has one connection and
 * Hyperdrive pools connections, so session locks would not hold; a compare-and-set row does.
 */
export async function acquireLease(
  db: Db,
  channel: string,
  owner: string,
  now: Date,
): Promise<boolean> {
  await db.insert(channels).values({ name: channel }).onConflictDoNothing();
  const rows = await db
    .update(channels)
    .set({ leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(
      and(
        eq(channels.name, channel),
        or(
          isNull(channels.leaseUntil),
          lt(channels.leaseUntil, now),
          eq(channels.leaseOwner, owner),
        ),
      ),
    )
    .returning({ name: channels.name });
  return rows.length === 1;
}

export async function releaseLease(db: Db, channel: string, owner: string): Promise<void> {
  await db
    .update(channels)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(channels.name, channel), eq(channels.leaseOwner, owner)));
}
