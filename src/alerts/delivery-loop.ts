import { type AlertDeliveryDeps, deliverPendingAlerts } from "./deliver-alerts.ts";

export interface DeliveryLoop {
  /** Deliver soon (after a tick committed alerts); a pass already running is followed by one more. */
  kick(): void;
  /** Stops the timer and waits for a pass in flight. */
  stop(): Promise<void>;
}

/**
 * `serve`'s deliverer: a pass every `everyMs` (rows waiting for a retry come due) and one after each
 * kick. Passes never overlap, so one process sends a row once; other processes are kept off by the
 * rows' claims.
 */
export function startDeliveryLoop(deps: AlertDeliveryDeps, everyMs = 30_000): DeliveryLoop {
  let running: Promise<void> | null = null;
  let again = false;
  const pass = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = deliverPendingAlerts(deps)
      .then(() => undefined)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          pass();
        }
      });
  };
  const timer = setInterval(pass, everyMs);
  pass();
  return {
    kick: pass,
    stop: async () => {
      clearInterval(timer);
      again = false;
      await running;
    },
  };
}
