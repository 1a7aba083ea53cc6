import type { DbHandle } from "../../db/client.ts";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { CHANGES_TOPIC, type ChannelChanges, parseChangeMessage } from "./channel-changes.ts";
import type { ChannelReadModel } from "./channel-read-model.ts";

/** How often a replica re-reads the pointers when no NOTIFY arrives: the freshness bound. */
export const POLL_INTERVAL_MS = 2_000;
/**
 * The embedded database (PGlite) has one writer, the process that owns it, which announces its
 * every change in-process (other commands reach it through owner-control): its poll is only a
 * safety net, not worth a reload of every status row each 2 s on its one backend.
 */
export const EMBEDDED_POLL_INTERVAL_MS = 30_000;
/** The stated bound (README "Freshness"): one poll plus a second for the reload itself. */
export const FRESHNESS_BOUND_MS = POLL_INTERVAL_MS + 1_000;

export interface ChangeFollower {
  stop(): Promise<void>;
}

/**
 * Keeps a long-running process's read model fresh: LISTEN for other processes' changes where the
 * database offers it (PostgreSQL), and a reload every `pollMs` whatever happens, so a lost
 * notification (a dropped connection, a writer that does not notify) costs at most `pollMs`.
 */
export async function followChanges(opts: {
  readModel: ChannelReadModel;
  changes: ChannelChanges;
  listen?: DbHandle["listen"];
  logger: Logger;
  pollMs?: number;
}): Promise<ChangeFollower> {
  const log = opts.logger.child({ step: "read-model" });
  const reload = () =>
    opts.readModel.refresh().catch((err: unknown) => {
      log.warn("read model reload failed", { error: errorMessage(err) });
    });
  const timer = setInterval(reload, opts.pollMs ?? POLL_INTERVAL_MS);
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await opts.listen?.(CHANGES_TOPIC, (payload) => {
      const message = parseChangeMessage(payload);
      if (message) void opts.changes.deliver(message);
    });
  } catch (err) {
    log.warn("LISTEN failed; polling only", { error: errorMessage(err) });
  }
  await reload();
  return {
    async stop() {
      clearInterval(timer);
      await unlisten?.().catch(() => undefined);
    },
  };
}
