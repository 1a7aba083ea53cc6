import { z } from "zod";
import type { ChannelLanding } from "../landings/channel-landing.ts";
import type { CommitReport } from "../landings/commit-landing.ts";
import type { NodeLanding } from "../landings/graph-landing.ts";
import type { PullReport } from "../landings/pull-landing.ts";
import type { Exactly } from "./documented.ts";

// `/api/v1/commits/{sha}` and `/api/v1/prs/{number}` as the OpenAPI document describes them.

const Instant = z.iso.datetime();

const CommitSummaryJson = z.object({
  sha: z.string(),
  committedAt: Instant,
  /** When floodgate first saw it on a tracked branch; null for a commit it only looked up. */
  firstSeen: z.object({ at: Instant, branch: z.string() }).nullable(),
});

const PullSummaryJson = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  merged: z.boolean(),
  mergedAt: Instant.nullable(),
  mergeCommitSha: z.string().nullable(),
  baseRef: z.string(),
  url: z.string(),
});

const MergeSourceJson = z.enum(["pull-requests", "merge-commits"]);

const EtaJson = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("estimate"),
    at: Instant,
    medianIntervalSeconds: z.number(),
    basedOnReleases: z.number().int(),
    lastReleaseAt: Instant,
  }),
  /** A branch's next merge from the branch upstream of it, by that edge's recorded merges. */
  z.object({
    kind: z.literal("merge-cadence"),
    at: Instant,
    from: z.string(),
    medianIntervalSeconds: z.number(),
    basedOnMerges: z.number().int(),
    /** Where the merges were found: PRs with that head and base, or merge commits pushed. */
    mergeSource: MergeSourceJson,
    lastMergeAt: Instant,
  }),
  /** After the node upstream (`after`) gets it, at `afterAt`, then this node's own cadence. */
  z.object({
    kind: z.literal("chained"),
    at: Instant,
    after: z.string(),
    afterAt: Instant,
    medianIntervalSeconds: z.number(),
    cadenceOf: z.enum(["releases", "merges"]),
    basedOn: z.number().int(),
    mergeSource: MergeSourceJson.optional(),
  }),
  z.object({ kind: z.literal("unknown"), reason: z.string() }),
]);

const Landed = z.object({
  channel: z.string(),
  status: z.literal("landed"),
  release: z
    .object({ name: z.string(), publishedAt: Instant.nullable(), url: z.string() })
    .nullable(),
  note: z.string().optional(),
});
const Pending = z.object({
  channel: z.string(),
  status: z.literal("pending"),
  behindBy: z.number().int(),
  evalRunning: z
    .object({ evalId: z.number().int().nullable(), url: z.string().nullable() })
    .nullable(),
  eta: EtaJson,
});
const NotOnBranch = z.object({
  channel: z.string(),
  status: z.literal("not-on-branch"),
  sourceBranch: z.string(),
  /** Its branch's ETA, then the channel's cadence. */
  eta: EtaJson,
});
const NoRelease = z.object({ channel: z.string(), status: z.literal("no-release") });
/** GitHub could not be asked (the answer's `partial` says why) and floodgate's records do not tell. */
const Unknown = z.object({ channel: z.string(), status: z.literal("unknown"), reason: z.string() });

/** Whether the commit is in each channel, and if not, why and when it may be. */
export const ChannelLandingJson = z.discriminatedUnion("status", [
  Landed,
  Pending,
  NotOnBranch,
  NoRelease,
  Unknown,
]);

const ChannelNode = { node: z.string(), kind: z.literal("channel") };

/** One step of the chain a change flows through: a branch (answered by GitHub) or a channel. */
export const NodeLandingJson = z.union([
  z.object({
    node: z.string(),
    kind: z.literal("branch"),
    status: z.literal("landed"),
    at: Instant.nullable(),
    note: z.string().optional(),
  }),
  z.object({
    node: z.string(),
    kind: z.literal("branch"),
    status: z.literal("pending"),
    behindBy: z.number().int(),
    eta: EtaJson,
  }),
  z.object({ node: z.string(), kind: z.literal("branch"), status: z.literal("no-branch") }),
  z.object({
    node: z.string(),
    kind: z.literal("branch"),
    status: z.literal("unknown"),
    reason: z.string(),
  }),
  Landed.extend(ChannelNode),
  Pending.extend(ChannelNode),
  NotOnBranch.extend(ChannelNode),
  NoRelease.extend(ChannelNode),
  Unknown.extend(ChannelNode),
]);

/**
 * Present when GitHub could not be asked for part of an answer (down, unreachable, rate limited,
 * or the lookups' budget spent): what floodgate recorded answered instead, and what it could not
 * tell is `unknown`. Such an answer is reused for seconds, not the usual 30 s.
 */
const PartialJson = z.object({
  code: z.string(),
  message: z.string(),
  retryAfterSeconds: z.number().int().nullable(),
});

export const CommitReportJson = z.object({
  commit: CommitSummaryJson,
  pulls: z.array(PullSummaryJson),
  /** Where the change entered the branch graph: its merged PRs' base branches, else where first seen. */
  bases: z.array(z.string()),
  /** The bases, then every branch and channel downstream of them, in flow order. */
  chain: z.array(NodeLandingJson),
  channels: z.array(ChannelLandingJson),
  partial: PartialJson.optional(),
});

export const PullReportJson = z.object({
  pull: PullSummaryJson,
  commit: CommitSummaryJson.nullable(),
  /** The PR's base branch, then every branch and channel downstream of it, in flow order. */
  chain: z.array(NodeLandingJson),
  channels: z.array(ChannelLandingJson),
  partial: PartialJson.optional(),
});

export const channelLandingDocumented: Exactly<
  z.infer<typeof ChannelLandingJson>,
  ChannelLanding
> = true;
export const nodeLandingDocumented: Exactly<z.infer<typeof NodeLandingJson>, NodeLanding> = true;
export const commitReportDocumented: Exactly<z.infer<typeof CommitReportJson>, CommitReport> = true;
export const pullReportDocumented: Exactly<z.infer<typeof PullReportJson>, PullReport> = true;
