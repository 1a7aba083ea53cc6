import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { channels } from "../db/schema.ts";

export type LeaseAttempt =
  | { kind: "acquired"; token: string; until: Date }
  | { kind: "held"; owner: string | null; until: Date | null };

let ticket = 0;

/** A lease token names the process and this one tick, so two ticks of one process exclude too. */
export function leaseToken(owner: string): string {
  ticket += 1;
  return `${owner}#${ticket}`;
}

/**
 * One advancer per channel. A lease row, not a session advisory lock: PGlite has one connection and
 * Hyperdrive pools connections, so session locks would not hold; a compare-and-set row does.
 */
export async function acquireLease(
  db: Db,
  channel: string,
  token: string,
  now: Date,
  leaseMs: number,
): Promise<LeaseAttempt> {
  await db.insert(channels).values({ name: channel }).onConflictDoNothing();
  const until = new Date(now.getTime() + leaseMs);
  const rows = await db
    .update(channels)
    .set({ leaseOwner: token, leaseUntil: until })
    .where(
      and(
        eq(channels.name, channel),
        or(isNull(channels.leaseUntil), lt(channels.leaseUntil, now)),
      ),
    )
    .returning({ name: channels.name });
  if (rows.length === 1) return { kind: "acquired", token, until };
  const [held] = await db
    .select({ owner: channels.leaseOwner, until: channels.leaseUntil })
    .from(channels)
    .where(eq(channels.name, channel));
  return { kind: "held", owner: held?.owner ?? null, until: held?.until ?? null };
}

/** Extends a lease this token still holds; false when someone else has taken it. */
export async function renewLease(
  db: Db,
  channel: string,
  token: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const rows = await db
    .update(channels)
    .set({ leaseUntil: new Date(now.getTime() + leaseMs) })
    .where(and(eq(channels.name, channel), eq(channels.leaseOwner, token)))
    .returning({ name: channels.name });
  return rows.length === 1;
}

export async function releaseLease(db: Db, channel: string, token: string): Promise<void> {
  await db
    .update(channels)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(channels.name, channel), eq(channels.leaseOwner, token)));
}
