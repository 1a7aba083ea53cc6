import type { Deps } from "../deps.ts";
import { errorMessage, LeaseLostError } from "../errors.ts";
import { renewLease } from "./lease.ts";

export interface Heartbeat {
  /** Aborted (with a `LeaseLostError`) once the lease cannot be renewed. */
  readonly signal: AbortSignal;
  stop(): Promise<void>;
}

/**
 * Renews the channel lease every `renewEveryMs` while a tick runs, so a long download keeps it and
 * a crashed owner's lease runs out within `leaseMs`. When renewal is refused (someone else took the
 * lease) or fails past the lease's end, the signal aborts the running step.
 */
export function startHeartbeat(
  deps: Pick<Deps, "db" | "clock" | "logger" | "gate">,
  channel: string,
  token: string,
): Heartbeat {
  const abort = new AbortController();
  const { leaseMs, renewEveryMs } = deps.gate;
  let validUntil = deps.clock.now().getTime() + leaseMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let beating: Promise<void> = Promise.resolve();
  let stopped = false;

  const beat = async () => {
    const now = deps.clock.now();
    try {
      if (await renewLease(deps.db, channel, token, now, leaseMs)) {
        validUntil = now.getTime() + leaseMs;
      } else {
        deps.logger.warn("lease lost", { channel, owner: token, step: "lease" });
        abort.abort(new LeaseLostError(channel, null));
      }
    } catch (err) {
      deps.logger.warn("lease renewal failed", {
        channel,
        step: "lease",
        error: errorMessage(err),
      });
      if (now.getTime() >= validUntil) abort.abort(new LeaseLostError(channel, null));
    }
  };
  const schedule = () => {
    if (stopped || abort.signal.aborted) return;
    timer = setTimeout(() => {
      beating = beat().finally(schedule);
    }, renewEveryMs);
  };
  schedule();
  return {
    signal: abort.signal,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await beating;
    },
  };
}
