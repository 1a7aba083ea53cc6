import cron from "node-cron";
import { startDeliveryLoop } from "../alerts/delivery-loop.ts";
import { followSubscriptionsWhenDue } from "../alerts/subscriptions/follow-subscriptions.ts";
import { tickChannel } from "../channels/tick-channel.ts";
import type { Deps } from "../deps.ts";
import { errorMessage } from "../errors.ts";
import { backfillHistory } from "../hydra/backfill-history.ts";

const BACKFILL_CRON = "17 4 * * *";
/**
 * Serve ticks channel by channel (not through tickAll), so it follows subscriptions on a cron of
 * its own; `floodgate tick` and the Worker follow them in tickAll (each runs when due).
 */
const SUBSCRIBED_PULLS_CRON = "*/5 * * * *";

/**
 * Ticks each channel on its own cron schedule; a run never overlaps the previous one. `stop` cuts
 * runs in flight short (their leases go, the next start resumes them) and waits for them, so the
 * database is not closed under them.
 */
export function startScheduler(deps: Deps): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const shutdown = new AbortController();
  const track = (run: Promise<unknown>) => {
    inFlight.add(run);
    return run.finally(() => inFlight.delete(run));
  };
  // The job strip needs 30 days of gate results: fill gaps at start, then daily (cheap when complete).
  const backfill = () =>
    track(
      backfillHistory(deps).catch((err: unknown) =>
        deps.logger.error("history backfill failed", {
          step: "backfill",
          error: errorMessage(err),
        }),
      ),
    );
  void backfill();
  // Alerts go out after each tick's commit and, for retries, on the loop's own timer.
  const delivery = startDeliveryLoop(deps);
  const daily = cron.schedule(BACKFILL_CRON, backfill, {
    name: "backfill-history",
    noOverlap: true,
  });
  const pulls = cron.schedule(
    SUBSCRIBED_PULLS_CRON,
    async () => {
      const run = followSubscriptionsWhenDue(deps).then((told) => {
        if (told > 0) delivery.kick();
      });
      await track(run);
    },
    { name: "subscribed-pulls", noOverlap: true },
  );
  const tasks = deps.channels.map((spec) =>
    cron.schedule(
      spec.schedule,
      async () => {
        const run = tickChannel(deps, spec, shutdown.signal).then(
          (outcome) => {
            delivery.kick();
            deps.logger.info("scheduled tick", {
              channel: spec.name,
              step: "tick",
              outcome: outcome.kind,
              summary: outcome.summary,
            });
          },
          (err: unknown) =>
            deps.logger.error("scheduled tick failed", {
              channel: spec.name,
              step: "tick",
              error: errorMessage(err),
            }),
        );
        await track(run);
      },
      { name: `tick-${spec.name}`, noOverlap: true },
    ),
  );
  return {
    stop: async () => {
      shutdown.abort();
      const all = [...tasks, daily, pulls];
      await Promise.all(all.map((t) => t.stop()));
      await Promise.all(inFlight);
      await delivery.stop();
      await Promise.all(all.map((t) => t.destroy()));
    },
  };
}
