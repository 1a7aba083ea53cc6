import type { ChannelSpec } from "../config/channels-file.ts";

/** The tick's cron: the channels file's default schedule and the Worker's one trigger. */
export const TICK_CRON = "*/10 * * * *";

/** Cron triggers the Worker is deployed with; wrangler.toml `[triggers] crons` must list exactly these. */
export const workerCrons: readonly string[] = [TICK_CRON];

/**
 * The channels one cron trigger ticks: those scheduled on it. A channel whose schedule no trigger
 * fires is ticked with the default one rather than never.
 */
export function channelsDue(
  channels: readonly ChannelSpec[],
  cron: string,
  crons: readonly string[] = workerCrons,
): ChannelSpec[] {
  return channels.filter(
    (c) => c.schedule === cron || (cron === TICK_CRON && !crons.includes(c.schedule)),
  );
}
