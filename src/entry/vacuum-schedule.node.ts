import cron from "node-cron";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";

/** When `floodgate serve` looks whether the embedded database is due its daily vacuum. */
const VACUUM_CHECK_CRON = "43 * * * *";

/**
 * Serve's hourly look at the embedded database's vacuum (`Runtime.vacuumWhenDue`), whether its
 * scheduler is on or ticks come from `floodgate tick` through it. `stop` waits for a vacuum that
 * is running, so the database is not closed under it.
 */
export function startVacuumSchedule(
  logger: Logger,
  vacuumWhenDue: () => Promise<boolean>,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const task = cron.schedule(
    VACUUM_CHECK_CRON,
    () => {
      running = vacuumLogged(logger, vacuumWhenDue);
      return running;
    },
    { name: "vacuum-embedded", noOverlap: true },
  );
  return {
    stop: async () => {
      await task.stop();
      await running;
      await task.destroy();
    },
  };
}

/** Runs `vacuumWhenDue`, logging what it did; a failure is logged, never thrown. */
export async function vacuumLogged(
  logger: Logger,
  vacuumWhenDue: () => Promise<boolean>,
): Promise<void> {
  const started = Date.now();
  try {
    if (await vacuumWhenDue()) {
      logger.info("database vacuumed", { step: "vacuum", ms: Date.now() - started });
    }
  } catch (err) {
    logger.error("database vacuum failed", { step: "vacuum", error: errorMessage(err) });
  }
}
