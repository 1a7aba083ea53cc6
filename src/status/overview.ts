import type { ChannelSpec } from "../config/channels-file.ts";
import { HISTORY_DAYS } from "../hydra/backfill-history.ts";
import type { JobHistoryEntry } from "../hydra/job-history.ts";
import type { LagReadModel } from "./lag/lag-read-model.ts";
import type { MissingCommit } from "./lag/lag-schema.ts";
import type { ChannelStatus } from "./read-model/channel-status.ts";

/** One channel's row of the overview: status, lag now and over 30 days, and its Hydra strip. */
export interface OverviewRow {
  channel: ChannelStatus;
  sourceBranch: string;
  behind: { commits: number; oldest: MissingCommit | null };
  /** Revision age, each day's peak in days, oldest first (the sparkline). */
  ageByDay: number[];
  strip: JobHistoryEntry[];
}

/** Whether a channel is listed first (current) or folded away with the old ones. */
export const isCurrent = (status: ChannelSpec["status"]) =>
  status !== "deprecated" && status !== "unmaintained";

/** Everything `/` shows beside each channel's status: lag from history and the job strip. */
export async function loadOverview(
  deps: {
    lag: LagReadModel;
    channels: ChannelSpec[];
    /** A channel's job strip, kept per read-model generation (channel-detail-model.ts). */
    strip(name: string): Promise<JobHistoryEntry[]>;
  },
  statuses: ChannelStatus[],
): Promise<OverviewRow[]> {
  const rows: OverviewRow[] = [];
  for (const channel of statuses) {
    const spec = deps.channels.find((s) => s.name === channel.name);
    if (!spec) continue;
    const lag = await deps.lag.overview(spec, HISTORY_DAYS);
    rows.push({
      channel,
      sourceBranch: spec.sourceBranch,
      behind: lag.behind,
      ageByDay: lag.ageByDay,
      strip: await deps.strip(spec.name),
    });
  }
  return rows;
}
