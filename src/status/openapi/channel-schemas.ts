import { z } from "zod";
import { channelStatuses, channelVariants } from "../../config/channels-file.ts";
import { releaseStates } from "../../db/schema.ts";
import type { BlockReason, DecisionNote } from "../../domain/decision.ts";
import type { JobHistoryEntry } from "../../hydra/job-history.ts";
import type { ChannelDetail } from "../read-model/channel-detail.ts";
import type { ChannelStatus } from "../read-model/channel-status.ts";
import type { Exactly } from "./documented.ts";
import { AlertViewJson, AuditEntryJson } from "./record-schemas.ts";
import { UnblockReportJson } from "./unblock-schemas.ts";

// The JSON of `/api/v1/channels` and `/api/v1/channels/{channel}`, as the OpenAPI document
// describes it; the `Exactly` checks below keep it equal to the read models' types.

const Instant = z.iso.datetime();
const ConstituentState = z.enum(["passed", "failed", "pending"]);

export const ConstituentFactJson = z.object({
  buildId: z.number().int(),
  job: z.string(),
  system: z.string(),
  state: ConstituentState,
  buildstatus: z.number().int().nullable(),
  statusText: z.string(),
  url: z.string(),
});

const EvalBuilding = z.object({
  kind: z.literal("eval-building"),
  project: z.string(),
  jobset: z.string(),
  scheduled: z.number().int(),
  total: z.number().int().nullable(),
});

const Hydra = { evalId: z.number().int(), buildId: z.number().int(), url: z.string() };

/** Why a channel does not move (src/domain/decision.ts), one shape per `kind`. */
export const BlockReasonJson = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("frozen"), reason: z.string() }),
  z.object({
    kind: z.literal("pinned"),
    releaseName: z.string(),
    reason: z.string().nullable(),
    branch: z.string(),
  }),
  z.object({
    kind: z.literal("constituents-failed"),
    ...Hydra,
    failed: z.array(ConstituentFactJson),
    policy: z.literal("all-constituents").optional(),
  }),
  z.object({
    kind: z.literal("constituents-pending"),
    evalId: z.number().int(),
    pending: z.array(ConstituentFactJson),
    total: z.number().int(),
  }),
  z.object({ kind: z.literal("gate-failed"), ...Hydra, releaseName: z.string() }),
  z.object({
    kind: z.literal("suspicious-gate"),
    ...Hydra,
    constituents: z.number().int(),
    previous: z.number().int().nullable(),
  }),
  z.object({
    kind: z.literal("not-on-source-branch"),
    sourceBranch: z.string(),
    sourceHead: z.string().nullable(),
    revision: z.string(),
    relation: z.enum(["ahead", "behind", "identical", "diverged", "unknown"]),
  }),
  z.object({
    kind: z.literal("not-fast-forward"),
    branch: z.string(),
    head: z.string(),
    revision: z.string(),
    relation: z.string(),
  }),
  z.object({ kind: z.literal("branch-missing"), branch: z.string() }),
  z.object({
    kind: z.literal("step-failed"),
    step: z.string(),
    code: z.string(),
    message: z.string(),
    release: z.string().optional(),
    attempts: z.number().int().optional(),
    maxAttempts: z.number().int().optional(),
    nextAttemptAt: Instant.nullable().optional(),
  }),
  z.object({
    kind: z.literal("release-failed"),
    release: z.string(),
    step: z.string(),
    code: z.string(),
    message: z.string(),
    attempts: z.number().int(),
  }),
  EvalBuilding,
]);

/** Beside the decision: an eval building, page-only work that failed (never blocking). */
export const DecisionNoteJson = z.discriminatedUnion("kind", [
  EvalBuilding,
  z.object({
    kind: z.literal("page-work-failed"),
    work: z.enum(["source-branch", "newer-gate", "eval-progress"]),
    code: z.string(),
    message: z.string(),
  }),
]);

export const ChannelStatusJson = z.object({
  name: z.string(),
  status: z.enum(channelStatuses),
  variant: z.enum(channelVariants).nullable(),
  job: z.string(),
  branch: z.string(),
  release: z
    .object({
      name: z.string(),
      revision: z.string(),
      url: z.string(),
      revisionCommittedAt: Instant.nullable(),
      publishedAt: Instant.nullable(),
    })
    .nullable(),
  revisionAgeSeconds: z.number().int().nullable(),
  updateAgeSeconds: z.number().int().nullable(),
  frozen: z.object({ reason: z.string() }).nullable(),
  pin: z.object({ release: z.string(), reason: z.string().nullable() }).nullable(),
  state: z.enum(["advanced", "blocked", "idle", "error", "unknown"]),
  summary: z.string(),
  reasons: z.array(BlockReasonJson),
  notes: z.array(DecisionNoteJson),
  blockedSince: Instant.nullable(),
  lastTickAt: Instant.nullable(),
  /** The unblock assistant's report when failed constituents block the channel. */
  unblock: UnblockReportJson.nullable(),
});

export const ChannelListJson = z.object({ channels: z.array(ChannelStatusJson) });

const FailingConstituentJson = ConstituentFactJson.omit({ state: true }).extend({
  url: z.string().nullable(),
});

/** One gate build of the last 30 days: a square of the job strip. */
export const JobHistoryEntryJson = z.object({
  buildId: z.number().int(),
  evalId: z.number().int().nullable(),
  revision: z.string().nullable(),
  releaseName: z.string().nullable(),
  evaluatedAt: Instant.nullable(),
  finishedAt: Instant.nullable(),
  result: ConstituentState,
  buildstatus: z.number().int().nullable(),
  statusText: z.string(),
  url: z.string().nullable(),
  constituents: z.object({
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
  }),
  failing: z.array(FailingConstituentJson),
});

const BranchHead = z.object({
  name: z.string(),
  head: z.string().nullable(),
  observedAt: Instant.nullable(),
});

export const ChannelDetailJson = z.object({
  channel: ChannelStatusJson,
  funnel: z.object({
    sourceBranch: BranchHead,
    newestGate: z
      .object({
        buildId: z.number().int(),
        releaseName: z.string().nullable(),
        finished: z.boolean(),
        buildstatus: z.number().int().nullable(),
      })
      .nullable(),
    branch: BranchHead,
  }),
  releases: z.array(
    z.object({
      name: z.string(),
      revision: z.string(),
      state: z.enum(releaseStates),
      evalId: z.number().int(),
      createdAt: Instant,
      publishedAt: Instant.nullable(),
      lastError: z.object({ code: z.string(), message: z.string(), step: z.string() }).nullable(),
      progress: z
        .object({
          task: z.string(),
          done: z.number().int(),
          total: z.number().int(),
          skipped: z.number().int(),
          at: Instant,
        })
        .nullable(),
    }),
  ),
  events: z.array(z.object({ type: z.string(), at: Instant, summary: z.string() })),
  audit: z.array(AuditEntryJson),
  alerts: z.array(AlertViewJson),
  jobHistory: z.array(JobHistoryEntryJson),
});

export const blockReasonDocumented: Exactly<z.infer<typeof BlockReasonJson>, BlockReason> = true;
export const decisionNoteDocumented: Exactly<z.infer<typeof DecisionNoteJson>, DecisionNote> = true;
export const channelStatusDocumented: Exactly<
  z.infer<typeof ChannelStatusJson>,
  ChannelStatus
> = true;
export const jobHistoryDocumented: Exactly<
  z.infer<typeof JobHistoryEntryJson>,
  JobHistoryEntry
> = true;
export const channelDetailDocumented: Exactly<
  z.infer<typeof ChannelDetailJson>,
  ChannelDetail
> = true;
