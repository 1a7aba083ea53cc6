/** A value loaded from the database and kept in memory, reloaded in the background. */
export interface BackgroundValue<T> {
  current(): Promise<T>;
}

/**
 * Only the first read waits on `load`; later ones get the kept value and, once it is older than
 * `maxAgeMs`, start one reload (a failed reload keeps the old value; the next read tries again).
 * Public reads so never wait on a database round trip after the first.
 */
export function createBackgroundValue<T>(opts: {
  /** Given the kept value, so a reload can add to it instead of starting over. */
  load: (previous: T | undefined) => Promise<T>;
  maxAgeMs: number;
  nowMs?: () => number;
  onStale?: (err: unknown) => void;
}): BackgroundValue<T> {
  const nowMs = opts.nowMs ?? Date.now;
  let kept: { value: T; loadedAtMs: number } | null = null;
  let loading: Promise<T> | null = null;

  const reload = () => {
    const startedAt = nowMs();
    loading ??= opts
      .load(kept?.value)
      .then((value) => {
        kept = { value, loadedAtMs: startedAt };
        return value;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };

  return {
    async current() {
      if (!kept) return reload();
      if (nowMs() - kept.loadedAtMs >= opts.maxAgeMs) reload().catch((err) => opts.onStale?.(err));
      return kept.value;
    },
  };
}
