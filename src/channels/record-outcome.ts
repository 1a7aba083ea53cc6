import { eq } from "drizzle-orm";
import type { Alert } from "../alerts/notifier.ts";
import { type Channel, type ChannelOutcome, channels, events } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { errorMessage } from "../errors.ts";

function eventType(
  prev: ChannelOutcome | null,
  outcome: TickOutcome,
): Alert["type"] | "channel.idle" {
  switch (outcome.kind) {
    case "advanced":
      return "channel.advanced";
    case "blocked":
      return "channel.blocked";
    case "error":
      return "tick.failed";
    default:
      return prev?.kind === "blocked" || prev?.kind === "error"
        ? "channel.unblocked"
        : "channel.idle";
  }
}

/**
 * Stores the tick's outcome on the channel and, when it differs from the last one, an event and an
 * alert: the same value drives the page, the log and Slack.
 */
export async function recordOutcome(deps: Deps, row: Channel, outcome: TickOutcome): Promise<void> {
  if (outcome.kind === "busy") return;
  const now = deps.clock.now();
  const prev = row.lastOutcome;
  const changed = prev?.summary !== outcome.summary || prev?.kind !== outcome.kind;
  const stored: ChannelOutcome = { ...outcome, at: now.toISOString() };
  const stuck = outcome.kind === "blocked" || outcome.kind === "error";
  await deps.db
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
  if (!changed) return;

  const type = eventType(prev, outcome);
  await deps.db.insert(events).values({ channel: row.name, type, at: now, data: stored });
  if (type === "channel.idle") return;
  try {
    await deps.notifier.send({ channel: row.name, type, text: outcome.summary, at: now });
  } catch (err) {
    deps.logger.warn("alert not sent", {
      channel: row.name,
      step: "alert",
      error: errorMessage(err),
    });
  }
}
