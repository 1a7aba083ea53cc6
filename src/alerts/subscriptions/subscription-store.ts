import { and, count, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type AlertRow, alerts, type SubscriptionRow, subscriptions } from "../../db/schema.ts";

/** 256 random bits, URL-safe: the only key to a subscription, so it must not be guessable. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A webhook's signing secret: 256 random bits as hex. */
export function newSecret(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Tokens are stored as their sha256, so the table alone cannot read or cancel anything. */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export async function findByToken(db: Db, token: string): Promise<SubscriptionRow | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.tokenHash, await hashToken(token)));
  return row ?? null;
}

export async function findById(db: Db, id: number): Promise<SubscriptionRow | null> {
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row ?? null;
}

/** Subscriptions one client made since `since` (the per-client limit). */
export async function countByClientSince(db: Db, client: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(subscriptions)
    .where(and(eq(subscriptions.client, client), gt(subscriptions.createdAt, since)));
  return row?.n ?? 0;
}

/** Live subscriptions delivering to one URL (the per-target limit). */
export async function countLiveByUrl(db: Db, url: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(subscriptions)
    .where(and(eq(subscriptions.url, url), isNull(subscriptions.endedAt)));
  return row?.n ?? 0;
}

export async function cancelSubscription(db: Db, id: number, now: Date): Promise<void> {
  await db
    .update(subscriptions)
    .set({ endedAt: now, endReason: "cancelled" })
    .where(and(eq(subscriptions.id, id), isNull(subscriptions.endedAt)));
}

/** A subscription's notices, newest first (its feed and its API answer). */
export function noticesOf(db: Db, id: number, limit: number): Promise<AlertRow[]> {
  return db
    .select()
    .from(alerts)
    .where(eq(alerts.subscriptionId, id))
    .orderBy(desc(alerts.id))
    .limit(limit);
}

/** What `GET /api/v1/subscriptions/{token}` shows: never the token, the secret or the whole URL. */
export function subscriptionView(row: SubscriptionRow, notices: AlertRow[]) {
  return {
    kind: row.kind,
    subject: row.subject,
    branch: row.branch,
    channels: row.channels,
    reached: row.reached,
    delivery: row.delivery,
    host: row.url ? new URL(row.url).host : null,
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    endReason: row.endReason,
    notices: notices.map((n) => ({
      id: n.id,
      kind: n.kind,
      channel: n.channel,
      summary: n.summary,
      state: n.state,
      createdAt: n.createdAt.toISOString(),
    })),
  };
}
