import { eq } from "drizzle-orm";
import type { NewAlert } from "../alerts/alert-types.ts";
import { recordTickAlerts } from "../alerts/record-alerts.ts";
import { recordSubscriptionNotices } from "../alerts/subscriptions/record-notices.ts";
import { type Channel, type ChannelOutcome, channels, events } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { describeReason } from "./describe-decision.ts";

const EVENT_OF_ALERT: Partial<Record<NewAlert["kind"], string>> = {
  advanced: "channel.advanced",
  blocked: "channel.blocked",
  recovered: "channel.unblocked",
  "pipeline-failed": "tick.failed",
  stuck: "channel.stuck",
};

function eventType(outcome: TickOutcome): string {
  switch (outcome.kind) {
    case "advanced":
      return "channel.advanced";
    case "blocked":
      return "channel.blocked";
    case "error":
      return "tick.failed";
    default:
      return "channel.idle";
  }
}

/**
 * Stores the tick's outcome on the channel and, in the same transaction, the alerts its state
 * change produces (src/alerts derives them from structure, never from the summary text) and an
 * event when the outcome's kind changed or an alert was raised. Delivery happens after the commit.
 */
export async function recordOutcome(deps: Deps, row: Channel, outcome: TickOutcome): Promise<void> {
  if (outcome.kind === "busy") return;
  const now = deps.clock.now();
  const spec = deps.channels.find((c) => c.name === row.name);
  const stored: ChannelOutcome = { ...outcome, at: now.toISOString() };
  const stuck = outcome.kind === "blocked" || outcome.kind === "error";
  await deps.db.transaction(async (tx) => {
    await tx
      .update(channels)
      .set({
        lastTickAt: now,
        lastOutcome: stored,
        lastError:
          outcome.kind === "error"
            ? { code: outcome.code, message: outcome.summary, step: "tick", at: now.toISOString() }
            : null,
        blockedSince: stuck ? (row.blockedSince ?? now) : null,
      })
      .where(eq(channels.name, row.name));
    const raised = spec
      ? await recordTickAlerts(
          tx,
          { spec, settings: deps.alertSettings, hydraUrl: deps.hydraUrl, now },
          outcome,
          describeReason,
        )
      : [];
    await recordSubscriptionNotices(
      tx,
      { channel: row.name, publicUrl: deps.publicUrl, now },
      raised,
    );
    const types = raised.map((a) => EVENT_OF_ALERT[a.kind]).filter((t) => t !== undefined);
    if (row.lastOutcome?.kind !== outcome.kind && outcome.kind !== "idle") {
      types.unshift(eventType(outcome));
    }
    for (const type of new Set(types)) {
      await tx.insert(events).values({ channel: row.name, type, at: now, data: stored });
    }
  });
}
