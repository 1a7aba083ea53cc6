import { and, desc, eq, inArray, isNull, lt, lte, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type AlertRow, alertStates, alerts } from "../db/schema.ts";
import type { NewAlert } from "./alert-types.ts";
import { type AlertMemory, emptyAlertMemory } from "./derive-alerts.ts";

/**
 * Puts an alert in the outbox. Call it inside the transaction that records the state change it
 * reports (a tick's outcome, an admin action): then the alert exists exactly when the change does,
 * and the deliverer sends it after the commit.
 */
export async function enqueueAlert(tx: Db, alert: NewAlert, now: Date): Promise<void> {
  await tx.insert(alerts).values({
    channel: alert.channel,
    kind: alert.kind,
    dedupeKey: alert.dedupeKey,
    summary: alert.summary,
    data: { ...alert.data },
    nextAttemptAt: now,
    createdAt: now,
  });
}

/** The rules' memory for a channel, locked for the rest of the transaction. */
export async function loadAlertMemory(tx: Db, channel: string): Promise<AlertMemory> {
  const [row] = await tx
    .select({ state: alertStates.state })
    .from(alertStates)
    .where(eq(alertStates.channel, channel))
    .for("update");
  return row ? { ...emptyAlertMemory, ...(row.state as Partial<AlertMemory>) } : emptyAlertMemory;
}

export async function saveAlertMemory(
  tx: Db,
  channel: string,
  memory: AlertMemory,
  now: Date,
): Promise<void> {
  const state = { ...memory } as Record<string, unknown>;
  await tx
    .insert(alertStates)
    .values({ channel, state, updatedAt: now })
    .onConflictDoUpdate({ target: alertStates.channel, set: { state, updatedAt: now } });
}

/**
 * Claims up to `limit` due rows for one deliverer until `claimUntil`: a row is sent by one process
 * at a time, and a crashed deliverer's claim runs out so another one sends it.
 */
export async function claimDueAlerts(
  db: Db,
  now: Date,
  claimUntil: Date,
  limit: number,
): Promise<AlertRow[]> {
  const due = db
    .select({ id: alerts.id })
    .from(alerts)
    .where(
      and(
        eq(alerts.state, "pending"),
        lte(alerts.nextAttemptAt, now),
        or(isNull(alerts.claimedUntil), lt(alerts.claimedUntil, now)),
      ),
    )
    .orderBy(alerts.id)
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(alerts)
    .set({ claimedUntil: claimUntil })
    .where(inArray(alerts.id, due))
    .returning();
}

export async function saveDelivery(
  db: Db,
  id: number,
  set: Pick<AlertRow, "state" | "deliveries" | "attempts" | "nextAttemptAt" | "deliveredAt">,
): Promise<void> {
  await db
    .update(alerts)
    .set({ ...set, claimedUntil: null })
    .where(eq(alerts.id, id));
}

/** Alerts newest first, sent, pending or failed; `before` pages back by id. */
export async function listAlerts(
  db: Db,
  opts: { channel?: string; limit: number; before?: number },
): Promise<AlertRow[]> {
  // Subscribers' notices are private to them: never in the public alert list.
  const filters = [
    isNull(alerts.subscriptionId),
    opts.channel ? eq(alerts.channel, opts.channel) : undefined,
    opts.before ? lt(alerts.id, opts.before) : undefined,
  ];
  return db
    .select()
    .from(alerts)
    .where(and(...filters))
    .orderBy(desc(alerts.id))
    .limit(opts.limit);
}

/**
 * The alert for an operator's action (freeze, pin, accept…): call it inside the action's
 * transaction, next to its audit row. Every action is its own event, so none is deduplicated.
 */
export async function enqueueAdminAlert(
  tx: Db,
  action: {
    channel: string;
    action: string;
    reason: string | null;
    actor: string;
    details: Record<string, unknown>;
  },
  now: Date,
): Promise<void> {
  const why = action.reason ? `: ${action.reason}` : "";
  await enqueueAlert(
    tx,
    {
      channel: action.channel,
      kind: "admin",
      dedupeKey: `${action.channel}:admin:${action.action}:${now.toISOString()}`,
      summary: `${action.channel} ${action.action} by ${action.actor}${why}`,
      data: { kind: "admin", ...action },
    },
    now,
  );
}
