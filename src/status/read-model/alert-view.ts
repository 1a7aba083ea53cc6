import { listAlerts } from "../../alerts/outbox.ts";
import type { Db } from "../../db/client.ts";
import type { AlertRow, TargetDelivery } from "../../db/schema.ts";

/** One alert as the API and the page show it: what it said and how its delivery went. */
export interface AlertView {
  id: number;
  channel: string;
  kind: string;
  summary: string;
  state: AlertRow["state"];
  attempts: number;
  createdAt: string;
  deliveredAt: string | null;
  /** When a pending alert is tried again. */
  nextAttemptAt: string | null;
  deliveries: Record<string, TargetDelivery>;
  data: Record<string, unknown>;
}

function toView(row: AlertRow): AlertView {
  return {
    id: row.id,
    channel: row.channel,
    kind: row.kind,
    summary: row.summary,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: row.state === "pending" ? row.nextAttemptAt.toISOString() : null,
    deliveries: row.deliveries,
    data: row.data,
  };
}

export async function alertViews(
  db: Db,
  opts: { channel?: string; limit: number; before?: number },
): Promise<AlertView[]> {
  return (await listAlerts(db, opts)).map(toView);
}
