import { z } from "zod";
import { tickAll } from "../channels/tick-all.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { AppError } from "../errors.ts";
import { dueOnCron } from "./run-scheduled-tick.ts";

/** One channel's tick, as a queue message: each is delivered to an invocation of its own. */
export const TickMessage = z.object({ channel: z.string().min(1), cron: z.string() });
export type TickMessage = z.infer<typeof TickMessage>;

/** The producer side of a Cloudflare Queue (the `TICKS` binding), as far as the tick uses it. */
export interface TickQueue {
  sendBatch(messages: { body: TickMessage }[]): Promise<unknown>;
}

// Cloudflare Queues take at most 100 messages per sendBatch.
const MAX_BATCH = 100;

/** The cron trigger's part: one message per channel due, so no channel waits for another. */
export async function enqueueScheduledTicks(
  deps: Pick<Deps, "channels" | "logger">,
  queue: TickQueue,
  cron: string,
): Promise<string[]> {
  const due = dueOnCron(deps, cron).map((c) => c.name);
  for (let i = 0; i < due.length; i += MAX_BATCH) {
    const batch = due.slice(i, i + MAX_BATCH);
    await queue.sendBatch(batch.map((channel) => ({ body: { channel, cron } })));
  }
  deps.logger.info("scheduled tick", { job: "tick", cron, queued: due.length });
  return due;
}

/**
 * The consumer's part: one channel's tick (and the alerts it recorded). Hydra's pace is shared
 * through the database, so channels ticking in parallel invocations stay under it together.
 */
export async function runQueuedTick(deps: Deps, body: unknown): Promise<TickOutcome> {
  const message = TickMessage.safeParse(body);
  if (!message.success) {
    throw new AppError("BAD_TICK_MESSAGE", `not a tick message: ${JSON.stringify(body)}`);
  }
  const { channel } = message.data;
  if (!deps.channels.some((c) => c.name === channel)) {
    throw new AppError("UNKNOWN_CHANNEL", `tick message for unknown channel "${channel}"`);
  }
  const [outcome] = await tickAll(deps, channel);
  if (!outcome) throw new AppError("UNKNOWN_CHANNEL", `channel "${channel}" was not ticked`);
  deps.logger.info("queued tick", {
    job: "tick",
    channel,
    owner: deps.owner,
    outcome: outcome.kind,
  });
  return outcome;
}
