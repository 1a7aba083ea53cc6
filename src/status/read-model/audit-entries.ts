import { desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { auditLog } from "../../db/schema.ts";

/** One admin action as the page and `/api/v1/channels/{channel}/audit` show it (a label, never a token). */
export interface AuditEntry {
  at: string;
  action: string;
  channel: string;
  reason: string | null;
  details: Record<string, unknown>;
  actor: string;
  via: string;
}

/** A channel's admin actions, newest first. */
export async function listAuditEntries(
  db: Db,
  channel: string,
  limit = 100,
): Promise<AuditEntry[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(eq(auditLog.channel, channel))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
  return rows.map((r) => ({
    at: r.at.toISOString(),
    action: r.action,
    channel: r.channel,
    reason: r.reason,
    details: r.details,
    actor: r.actor,
    via: r.via,
  }));
}
