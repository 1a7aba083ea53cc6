import { tickAll } from "../channels/tick-all.ts";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { channelsDue, workerCrons } from "./schedule.ts";

/** The channels one cron trigger ticks; warns about those no trigger fires (ticked on the default). */
export function dueOnCron(deps: Pick<Deps, "channels" | "logger">, cron: string): ChannelSpec[] {
  const due = channelsDue(deps.channels, cron);
  const unscheduled = due.filter((c) => !workerCrons.includes(c.schedule)).map((c) => c.name);
  if (unscheduled.length > 0) {
    deps.logger.warn(
      "no cron trigger matches these channels' schedule; ticking them on the default",
      { job: "tick", channels: unscheduled },
    );
  }
  return due;
}

/**
 * What one cron trigger runs where there is no tick queue: a tick of the channels due on it, one
 * after another, and one log line for the run.
 */
export async function runScheduledTick(deps: Deps, cron: string): Promise<TickOutcome[]> {
  const started = Date.now();
  const due = dueOnCron(deps, cron);
  const outcomes = await tickAll({ ...deps, channels: due });
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  deps.logger.info("scheduled tick", {
    job: "tick",
    cron,
    channels: due.length,
    durationMs: Date.now() - started,
    ...counts,
  });
  return outcomes;
}
