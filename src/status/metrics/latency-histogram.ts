/** Upper bounds (seconds) of the commit-to-channel latency buckets: 1 h … 30 d, then +Inf. */
export const LATENCY_BUCKETS = [
  3_600,
  3 * 3_600,
  6 * 3_600,
  12 * 3_600,
  86_400,
  2 * 86_400,
  3 * 86_400,
  5 * 86_400,
  7 * 86_400,
  14 * 86_400,
  30 * 86_400,
] as const;

/** A Prometheus histogram: cumulative counts per upper bound (`le`), plus sum and count. */
export interface LatencyHistogram {
  /** `cumulative[i]` commits took at most `LATENCY_BUCKETS[i]` seconds. */
  cumulative: number[];
  sumSeconds: number;
  count: number;
}

export const emptyHistogram = (): LatencyHistogram => ({
  cumulative: LATENCY_BUCKETS.map(() => 0),
  sumSeconds: 0,
  count: 0,
});
