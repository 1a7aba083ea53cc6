import cron from "node-cron";
import { tickChannel } from "../channels/tick-channel.ts";
import type { Deps } from "../deps.ts";
import { errorMessage } from "../errors.ts";

/**
 * Ticks each channel on its own cron schedule; a run never overlaps the previous one, and `stop`
 * waits for runs in flight so the database is not closed under them.
 */
export function startScheduler(deps: Deps): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const tasks = deps.channels.map((spec) =>
    cron.schedule(
      spec.schedule,
      async () => {
        const run = tickChannel(deps, spec).then(
          (outcome) =>
            deps.logger.info("scheduled tick", {
              channel: spec.name,
              step: "tick",
              outcome: outcome.kind,
            }),
          (err: unknown) =>
            deps.logger.error("scheduled tick failed", {
              channel: spec.name,
              step: "tick",
              error: errorMessage(err),
            }),
        );
        inFlight.add(run);
        await run.finally(() => inFlight.delete(run));
      },
      { name: `tick-${spec.name}`, noOverlap: true },
    ),
  );
  return {
    stop: async () => {
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.all(inFlight);
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
