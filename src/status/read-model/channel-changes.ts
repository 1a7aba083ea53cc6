import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";

/** The PostgreSQL NOTIFY channel other processes LISTEN on; the payload is a `ChangeMessage`. */
export const CHANGES_TOPIC = "floodgate_channel_changed";

export interface ChangeMessage {
  channel: string;
  /** The announcing process (`Deps.owner`), so it can skip its own echo. */
  from: string;
}

/**
 * How the channel code says "I committed a change the public reads show" (a pointer flip, a
 * pin, a freeze, a tick's outcome), so read models refresh at once instead of on their timer.
 */
export interface ChannelChanges {
  /** Refreshes this process's listeners, then tells other processes; never throws. */
  channelChanged(channel: string): Promise<void>;
  /** Runs `listener` on every change, local or announced by another process. */
  onChange(listener: (channel: string) => Promise<unknown> | undefined): () => void;
  /** Hands a message received from the database (LISTEN) to the listeners. */
  deliver(message: ChangeMessage): Promise<void>;
}

/** In-process listeners plus a NOTIFY through the database for every other process. */
export function createChannelChanges(opts: {
  owner: string;
  logger: Logger;
  /** Tells other processes; default none (tests, single process). */
  announce?: (message: ChangeMessage) => Promise<void>;
}): ChannelChanges {
  const listeners = new Set<(channel: string) => Promise<unknown> | undefined>();
  const runListeners = async (channel: string) => {
    await Promise.all(
      [...listeners].map(async (listener) => {
        try {
          await listener(channel);
        } catch (err) {
          // The polling fallback catches up; a failed refresh must not fail the tick behind it.
          opts.logger.warn("read model refresh failed", { channel, error: errorMessage(err) });
        }
      }),
    );
  };
  return {
    async channelChanged(channel) {
      await runListeners(channel);
      try {
        await opts.announce?.({ channel, from: opts.owner });
      } catch (err) {
        opts.logger.warn("change not announced", { channel, error: errorMessage(err) });
      }
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async deliver(message) {
      if (message.from !== opts.owner) await runListeners(message.channel);
    },
  };
}

/** `pg_notify` works on PostgreSQL and PGlite alike, inside or outside a transaction. */
export function notifyThroughDatabase(db: Db): (message: ChangeMessage) => Promise<void> {
  return async (message) => {
    await db.execute(sql`select pg_notify(${CHANGES_TOPIC}, ${JSON.stringify(message)})`);
  };
}

/** Reads a NOTIFY payload; anything else (an older or foreign sender) is ignored. */
export function parseChangeMessage(payload: string): ChangeMessage | null {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== "object" || value === null) return null;
    const { channel, from } = value as Record<string, unknown>;
    return typeof channel === "string" && typeof from === "string" ? { channel, from } : null;
  } catch {
    return null;
  }
}
