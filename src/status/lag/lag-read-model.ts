import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/client.ts";
import {
  behindAt,
  computeLag,
  computeRevisionAge,
  type LagCommit,
  unlandedBy,
} from "./compute-lag.ts";
import { dailyPeaks } from "./daily-peaks.ts";
import { indexLag, type LagIndex } from "./lag-index.ts";
import { type ChannelLag, MAX_LAG_DAYS } from "./lag-schema.ts";
import { type LoadedLagHistory, loadLagWindow } from "./load-lag-history.ts";
import { refreshLagWindow } from "./refresh-lag-history.ts";

/** How old a channel's loaded history may get before a read refreshes it (in the background). */
export const LAG_HISTORY_MAX_AGE_MS = 30_000;
/**
 * The same bound where every write is announced (`sourcesChanged`): a refresh then follows each
 * change, and this only catches a missed announcement. Each refresh takes PGlite's one backend
 * ~30-40 ms per window with a year of history, so a quiet service should not refresh every 30 s.
 */
export const LAG_HISTORY_QUIET_MAX_AGE_MS = 5 * 60_000;
/**
 * Refreshes read only what changed; once in this long a window is loaded whole again, for what a
 * refresh cannot see (a landing a lookup records for an old release). A whole 90-day load of a
 * master channel takes PGlite's one backend 1-2 s with a year of history, so it stays rare.
 */
export const LAG_HISTORY_FULL_RELOAD_MS = 6 * 3_600_000;

/**
 * The windows held in memory: a read of `days` is computed from the smallest held one that covers
 * it (a longer window's history holds a shorter one's, and `computeLag` cuts it to `days`), else
 * its tier is loaded. A channel keeps only its longest: `/` reads 30 days and the channel page 90,
 * and holding (and refreshing) both held every commit of the last 30 days twice. Without
 * tiers each of the 365 `?days=` values would be a window of its own, loaded whole (seconds of
 * PGlite's one backend with a year) and kept: any client could stall the service and grow memory.
 */
export const LAG_WINDOW_TIERS = [7, 30, 90, MAX_LAG_DAYS] as const;

/** The held window a read of `days` is computed from. */
export function lagWindowDays(days: number): number {
  return LAG_WINDOW_TIERS.find((tier) => tier >= days) ?? days;
}

/** What `/` shows of a channel's lag, the same as `ChannelLag` tells it. */
export interface LagOverview {
  /** `current.behind`. */
  behind: ChannelLag["current"]["behind"];
  /** `revisionAge`, each day's peak in days, oldest first (the sparkline; `dailyPeaks`). */
  ageByDay: number[];
}

type LagChannel = { name: string; sourceBranch: string };

export interface LagReadModel {
  lag(channel: LagChannel, days: number): Promise<ChannelLag>;
  /**
   * What `/` shows, without the whole `lag`: re-rendered every 30 s for every channel, that was
   * most of each rendering (the behind series and weekly latency of every commit in the window).
   */
  overview(channel: LagChannel, days: number): Promise<LagOverview>;
  /** Something was recorded (a tick, a flip): each window refreshes at its next read. */
  sourcesChanged(): void;
  /** The windows held, as `channel days` (what the memory holds). */
  heldWindows(): string[];
}

interface Kept {
  loaded: LoadedLagHistory;
  /** The window's tier. */
  days: number;
  loadedAtMs: number;
  fullAtMs: number;
  /** `changes` when the load started: a change announced since makes the window due. */
  changesSeen: number;
  /**
   * The commits not landed by the time the history was loaded up to: the only ones that can be
   * behind from then on (a handful, against the window's thousands), found once per load.
   */
  unlanded: LagCommit[];
  /** `indexLag` of the history, at its first whole read (the overview reads none). */
  index: LagIndex | null;
  reloading: Promise<void> | null;
}

/**
 * Lag from recorded history held in memory per channel and window: ages are computed at each
 * read, the history behind them is refreshed at most every `maxAgeMs` (reading only what changed,
 * see `refreshLagWindow`), and a stale one keeps being served while one refresh runs, so only a
 * window's first read waits on the database.
 */
export function createLagReadModel(deps: {
  db: Db;
  clock: Clock;
  maxAgeMs?: number;
}): LagReadModel {
  const maxAgeMs = deps.maxAgeMs ?? LAG_HISTORY_MAX_AGE_MS;
  const kept = new Map<string, Kept>();
  const pending = new Map<string, Promise<Kept>>();
  let changes = 0;

  const shas = createShaPool();
  const keyOf = (channel: LagChannel, tier: number) =>
    `${channel.name}\n${channel.sourceBranch}\n${tier}`;

  const load = (channel: LagChannel, days: number, key: string) => {
    const running = pending.get(key);
    if (running) return running;
    const started = deps.clock.now();
    const changesSeen = changes;
    const previous = kept.get(key);
    const full = !previous || started.getTime() - previous.fullAtMs >= LAG_HISTORY_FULL_RELOAD_MS;
    const loading = (async () => {
      const refreshed =
        previous && !full
          ? await refreshLagWindow(deps.db, channel, previous.loaded, started, days)
          : null;
      const loaded = refreshed ?? (await loadLagWindow(deps.db, channel, started, days));
      const entry: Kept = {
        loaded,
        days,
        loadedAtMs: started.getTime(),
        fullAtMs: refreshed && previous ? previous.fullAtMs : started.getTime(),
        changesSeen,
        unlanded: unlandedBy(loaded.history.commits, loaded.to),
        index: null,
        reloading: null,
      };
      // A longer window loaded meanwhile holds this one: it answers the next reads.
      if (!LAG_WINDOW_TIERS.some((tier) => tier > days && kept.has(keyOf(channel, tier)))) {
        kept.set(key, entry);
        for (const tier of LAG_WINDOW_TIERS) if (tier < days) kept.delete(keyOf(channel, tier));
      }
      // A whole load may leave commits no window holds: the pool starts over from what is held.
      if (!refreshed) shas.restart([...kept.values()].map((k) => k.loaded.history.commits));
      shas.intern(loaded.history.commits);
      return entry;
    })().finally(() => pending.delete(key));
    pending.set(key, loading);
    return loading;
  };

  /** The window a read of `days` at `now` is computed from, refreshing it when it is due. */
  const windowFor = async (channel: LagChannel, days: number, now: Date): Promise<Kept> => {
    const windowDays =
      LAG_WINDOW_TIERS.find((tier) => tier >= days && kept.has(keyOf(channel, tier))) ??
      lagWindowDays(days);
    const key = keyOf(channel, windowDays);
    const entry = kept.get(key);
    if (!entry) return load(channel, windowDays, key);
    if (
      (entry.changesSeen !== changes || now.getTime() - entry.loadedAtMs >= maxAgeMs) &&
      !entry.reloading
    ) {
      // A failed reload keeps the stale history; the next read past the bound tries again.
      entry.reloading = load(channel, windowDays, key).then(
        () => undefined,
        () => {
          entry.reloading = null;
        },
      );
    }
    return entry;
  };

  return {
    async lag(channel, days) {
      const now = deps.clock.now();
      const entry = await windowFor(channel, days, now);
      entry.index ??= indexLag(entry.loaded.history.commits);
      return computeLag(entry.loaded.history, now, days, entry.index);
    },
    async overview(channel, days) {
      const now = deps.clock.now();
      const { loaded, unlanded } = await windowFor(channel, days, now);
      // A clock behind the load (tests move it) could see commits landed since: ask them all.
      const candidates = now < loaded.to ? loaded.history.commits : unlanded;
      return {
        behind: behindAt(candidates, now),
        ageByDay: dailyPeaks(computeRevisionAge(loaded.history, now, days), now, days),
      };
    },
    sourcesChanged() {
      changes++;
    },
    heldWindows: () => [...kept.values()].map((k) => `${k.loaded.history.channel} ${k.days}`),
  };
}

/**
 * One string per sha across the held windows: channels that follow one branch (four follow master)
 * each read the same commits, and a year's windows held 129k sha strings for 25k commits (5 MiB).
 */
function createShaPool() {
  let pool = new Map<string, string>();
  const intern = (commits: LagCommit[]) => {
    for (const c of commits) {
      const known = pool.get(c.sha);
      if (known === undefined) pool.set(c.sha, c.sha);
      else c.sha = known;
    }
  };
  return {
    intern,
    restart(held: LagCommit[][]) {
      pool = new Map();
      for (const commits of held) intern(commits);
    },
  };
}
