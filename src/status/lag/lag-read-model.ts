import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/client.ts";
import { computeLag, type LagHistory } from "./compute-lag.ts";
import type { ChannelLag } from "./lag-schema.ts";
import { loadLagHistory } from "./load-lag-history.ts";

/** How old a channel's loaded history may get before a read reloads it (in the background). */
export const LAG_HISTORY_MAX_AGE_MS = 30_000;

export interface LagReadModel {
  lag(channel: { name: string; sourceBranch: string }, days: number): Promise<ChannelLag>;
}

interface Kept {
  history: LagHistory;
  loadedAtMs: number;
  reloading: Promise<void> | null;
}

/**
 * Lag from recorded history held in memory per channel and window: ages are computed at each
 * read, the history behind them is reloaded at most every `maxAgeMs`, and a stale one keeps being
 * served while one reload runs, so only a window's first read waits on the database.
 */
export function createLagReadModel(deps: {
  db: Db;
  clock: Clock;
  maxAgeMs?: number;
}): LagReadModel {
  const maxAgeMs = deps.maxAgeMs ?? LAG_HISTORY_MAX_AGE_MS;
  const kept = new Map<string, Kept>();
  const pending = new Map<string, Promise<Kept>>();

  const load = (channel: { name: string; sourceBranch: string }, days: number, key: string) => {
    const running = pending.get(key);
    if (running) return running;
    const started = deps.clock.now();
    const loading = loadLagHistory(deps.db, channel, started, days)
      .then((history) => {
        const entry = { history, loadedAtMs: started.getTime(), reloading: null };
        kept.set(key, entry);
        return entry;
      })
      .finally(() => pending.delete(key));
    pending.set(key, loading);
    return loading;
  };

  return {
    async lag(channel, days) {
      const key = `${channel.name}\n${channel.sourceBranch}\n${days}`;
      const now = deps.clock.now();
      let entry = kept.get(key);
      if (!entry) entry = await load(channel, days, key);
      else if (now.getTime() - entry.loadedAtMs >= maxAgeMs && !entry.reloading) {
        const stale = entry;
        // A failed reload keeps the stale history; the next read past the bound tries again.
        stale.reloading = load(channel, days, key).then(
          () => undefined,
          () => {
            stale.reloading = null;
          },
        );
      }
      return computeLag(entry.history, now, days);
    },
  };
}
