import cron from "node-cron";
import { tickChannel } from "../channels/tick-channel.ts";
import type { Deps } from "../deps.ts";
import { errorMessage } from "../errors.ts";

/** Ticks each channel on its own cron schedule; a run never overlaps the previous one. */
export function startScheduler(deps: Deps): { stop(): Promise<void> } {
  const tasks = deps.channels.map((spec) =>
    cron.schedule(
      spec.schedule,
      async () => {
        try {
          const outcome = await tickChannel(deps, spec);
          deps.logger.info("scheduled tick", {
            channel: spec.name,
            step: "tick",
            outcome: outcome.kind,
          });
        } catch (err) {
          deps.logger.error("scheduled tick failed", {
            channel: spec.name,
            step: "tick",
            error: errorMessage(err),
          });
        }
      },
      { name: `tick-${spec.name}`, noOverlap: true },
    ),
  );
  return {
    stop: async () => {
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
