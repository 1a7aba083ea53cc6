import type { ChannelMetricsHistory } from "./load-metrics-history.ts";

/** How old the history behind `/metrics` may get before a scrape reloads it in the background. */
export const METRICS_HISTORY_MAX_AGE_MS = 30_000;

export interface MetricsHistoryModel {
  current(): Promise<ReadonlyMap<string, ChannelMetricsHistory>>;
}

/**
 * The green-eval times and latency histograms, held in memory: only the first scrape waits on
 * the database; later ones get the kept copy and, past `maxAgeMs`, start one reload (a failed
 * reload keeps the old copy and the next scrape tries again).
 */
export function createMetricsHistoryModel(opts: {
  load: () => Promise<Map<string, ChannelMetricsHistory>>;
  maxAgeMs?: number;
  nowMs?: () => number;
  onStale?: (err: unknown) => void;
}): MetricsHistoryModel {
  const maxAgeMs = opts.maxAgeMs ?? METRICS_HISTORY_MAX_AGE_MS;
  const nowMs = opts.nowMs ?? Date.now;
  let kept: { value: Map<string, ChannelMetricsHistory>; loadedAtMs: number } | null = null;
  let loading: Promise<Map<string, ChannelMetricsHistory>> | null = null;

  const reload = () => {
    const startedAt = nowMs();
    loading ??= opts
      .load()
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
      if (nowMs() - kept.loadedAtMs >= maxAgeMs) reload().catch((err) => opts.onStale?.(err));
      return kept.value;
    },
  };
}
