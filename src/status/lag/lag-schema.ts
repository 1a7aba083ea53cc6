import { z } from "zod";

/** `/api/v1/channels/{channel}/lag?days=N`: the window asked for, 1…MAX_LAG_DAYS days, default 90. */
export const MAX_LAG_DAYS = 365;
export const DEFAULT_LAG_DAYS = 90;
export const LagQuery = z.object({
  days: z.coerce.number().int().min(1).max(MAX_LAG_DAYS).default(DEFAULT_LAG_DAYS),
});
export type LagQuery = z.infer<typeof LagQuery>;

const Instant = z.iso.datetime();
const Seconds = z.number().int().min(0);

/** The oldest commit on the source branch that the channel does not have yet. */
export const MissingCommit = z.object({
  sha: z.string(),
  committedAt: Instant,
  firstSeenAt: Instant,
  /** now − committer time, like revision age. */
  ageSeconds: Seconds,
});
export type MissingCommit = z.infer<typeof MissingCommit>;

/** A point of an age series; a sawtooth is drawn from one point before and one after each advance. */
export const AgePoint = z.object({ at: Instant, seconds: Seconds });
export type AgePoint = z.infer<typeof AgePoint>;

export const BehindPoint = z.object({ at: Instant, commits: z.number().int().min(0) });
export type BehindPoint = z.infer<typeof BehindPoint>;

/** Commit latency (first seen on the source branch → first release containing it) of one UTC week. */
export const LatencyWeek = z.object({
  /** Monday 00:00 UTC of the week the releases were published in. */
  weekStart: Instant,
  commits: z.number().int().min(1),
  p50Seconds: Seconds,
  p90Seconds: Seconds,
  maxSeconds: Seconds,
});
export type LatencyWeek = z.infer<typeof LatencyWeek>;

export const Advance = z.object({
  at: Instant,
  release: z.string(),
  revision: z.string(),
  /** Source-branch commits this release brought (recorded landings). */
  commits: z.number().int().min(0),
});
export type Advance = z.infer<typeof Advance>;

/** A channel's lag (../shared/DESIGN.md "Lag, defined"): now, and over the window. */
export const ChannelLag = z.object({
  channel: z.string(),
  sourceBranch: z.string(),
  days: z.number().int(),
  from: Instant,
  to: Instant,
  current: z.object({
    revisionAgeSeconds: Seconds.nullable(),
    updateAgeSeconds: Seconds.nullable(),
    behind: z.object({ commits: z.number().int().min(0), oldest: MissingCommit.nullable() }),
  }),
  revisionAge: z.array(AgePoint),
  updateAge: z.array(AgePoint),
  behind: z.array(BehindPoint),
  latency: z.array(LatencyWeek),
  advances: z.array(Advance),
});
export type ChannelLag = z.infer<typeof ChannelLag>;
