import type { ChannelSnapshotEntry } from "./channel-snapshot.ts";

export interface ChannelSnapshot {
  entries: ReadonlyMap<string, ChannelSnapshotEntry>;
  /** Grows whenever a reload finds different data: caches of anything derived key on it. */
  generation: number;
  /**
   * Grows whenever a served pointer changes (a flip, a pin, a freeze): what must show at once.
   * A change of the status rows alone (a tick's outcome) moves `generation` but not this.
   */
  pointers: number;
  /** When the load that moved `generation` to its value started (how old the previous one is). */
  changedAtMs: number;
  loadedAtMs: number;
}

/** Where a snapshot is kept. On Workers one cell lives per isolate while models are per request. */
export interface SnapshotCell {
  snapshot: ChannelSnapshot | null;
  fingerprint: string;
  pointerFingerprint: string;
}

export const createSnapshotCell = (): SnapshotCell => ({
  snapshot: null,
  fingerprint: "",
  pointerFingerprint: "",
});

// The lease columns change twice a tick (and on every heartbeat) and no public read shows them.
const shown = (entries: Map<string, ChannelSnapshotEntry>) =>
  JSON.stringify(
    [...entries].map(([name, { row, release }]) => [
      name,
      row && { ...row, leaseOwner: null, leaseUntil: null },
      release,
    ]),
  );

const servedPointers = (entries: Map<string, ChannelSnapshotEntry>) =>
  JSON.stringify(
    [...entries].map(([name, { row, release }]) => [
      name,
      release?.id ?? null,
      release?.name ?? null,
      row?.pinnedReleaseId ?? null,
      row?.frozen ?? null,
    ]),
  );

/**
 * The channel → release pointers and status rows every public read needs, held in memory so no
 * request waits on the database. A change refreshes it at once (`refresh`); a snapshot older
 * than `maxAgeMs` is reloaded on the next read, the bound when no change is announced.
 */
export interface ChannelReadModel {
  current(): Promise<ChannelSnapshot>;
  /**
   * The last snapshot without waiting (null before the first load): the synchronous fast path's
   * view. A stale one starts a reload in the background, so a slow or unreachable database never
   * sends requests to it (the last pointers keep being served, as `current` does on failure).
   */
  peek(): ChannelSnapshot | null;
  /** Reloads now; a call during a load queues one more load, which sees every committed change. */
  refresh(): Promise<ChannelSnapshot>;
}

/**
 * The snapshot as held, without waiting: `current()` first reloads one older than its bound, and a
 * read that needs no newer one (a lookup) would wait for that load behind the database's queue.
 * `peek` starts a stale reload itself; only before the first load is there anything to wait for.
 */
export async function heldSnapshot<S>(readModel: {
  peek(): S | null;
  current(): Promise<S>;
}): Promise<S> {
  return readModel.peek() ?? (await readModel.current());
}

export interface ChannelReadModelOptions {
  load: () => Promise<Map<string, ChannelSnapshotEntry>>;
  maxAgeMs: number;
  nowMs?: () => number;
  cell?: SnapshotCell;
  /** Told when a reload fails and the previous snapshot keeps being served. */
  onStale?: (err: unknown) => void;
}

export function createChannelReadModel(opts: ChannelReadModelOptions): ChannelReadModel {
  const nowMs = opts.nowMs ?? Date.now;
  const cell = opts.cell ?? createSnapshotCell();
  let running: Promise<ChannelSnapshot> | null = null;
  let queued: Promise<ChannelSnapshot> | null = null;

  const load = async (): Promise<ChannelSnapshot> => {
    const startedAt = nowMs();
    const entries = await opts.load();
    const fingerprint = shown(entries);
    const pointerFingerprint = servedPointers(entries);
    const previous = cell.snapshot;
    const changed = !previous || fingerprint !== cell.fingerprint;
    const flipped = !previous || pointerFingerprint !== cell.pointerFingerprint;
    const snapshot: ChannelSnapshot = {
      entries: changed || !previous ? entries : previous.entries,
      generation: (previous?.generation ?? 0) + (changed ? 1 : 0),
      pointers: (previous?.pointers ?? 0) + (flipped ? 1 : 0),
      changedAtMs: changed || !previous ? startedAt : previous.changedAtMs,
      loadedAtMs: startedAt,
    };
    // A slower, older load must not overwrite a newer one.
    if (!previous || previous.loadedAtMs <= startedAt) {
      cell.snapshot = snapshot;
      cell.fingerprint = fingerprint;
      cell.pointerFingerprint = pointerFingerprint;
    }
    return cell.snapshot ?? snapshot;
  };

  const refresh = (): Promise<ChannelSnapshot> => {
    if (!running) {
      running = load().finally(() => {
        running = null;
      });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return refresh();
      });
    return queued;
  };

  return {
    async current() {
      const snapshot = cell.snapshot;
      if (snapshot && nowMs() - snapshot.loadedAtMs < opts.maxAgeMs) return snapshot;
      try {
        return await refresh();
      } catch (err) {
        // Serving the last known pointer beats failing every `nix-channel --update`.
        if (!snapshot) throw err;
        opts.onStale?.(err);
        return snapshot;
      }
    },
    peek() {
      const snapshot = cell.snapshot;
      if (snapshot && nowMs() - snapshot.loadedAtMs >= opts.maxAgeMs && !running) {
        refresh().catch((err: unknown) => opts.onStale?.(err));
      }
      return snapshot;
    },
    refresh,
  };
}
