import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { type AlertKind, alertKinds } from "../domain/alert-kinds.ts";

const at = (name: string) => timestamp(name, { withTimezone: true });
// Hydra build ids are ~3e8 today; bigint keeps room and `mode: "number"` stays exact below 2^53.
const hydraId = (name: string) => bigint(name, { mode: "number" });

export type ChannelOutcome = { kind: string; summary: string; at: string; [key: string]: unknown };
export type RecordedError = { code: string; message: string; step: string; at: string };
export type ReleaseFile = { name: string; size: number; sha256: string };
/** How far a long files-step task (the programs.sqlite index) got; the page shows it. */
export type ReleaseProgress = {
  task: string;
  done: number;
  total: number;
  /** Store paths the binary cache has no `.ls` listing for. */
  skipped: number;
  at: string;
};

export const channels = pgTable("channels", {
  name: text("name").primaryKey(),
  currentReleaseId: integer("current_release_id"),
  frozen: boolean("frozen").notNull().default(false),
  frozenReason: text("frozen_reason"),
  /** An admin's pin: the served pointer (redirects, status) shows this release, and the tick waits. */
  pinnedReleaseId: integer("pinned_release_id"),
  pinnedReason: text("pinned_reason"),
  leaseOwner: text("lease_owner"),
  leaseUntil: at("lease_until"),
  lastTickAt: at("last_tick_at"),
  lastOutcome: jsonb("last_outcome").$type<ChannelOutcome>(),
  lastError: jsonb("last_error").$type<RecordedError>(),
  blockedSince: at("blocked_since"),
});

export const branchHeads = pgTable(
  "branch_heads",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    branch: text("branch").notNull(),
    sha: text("sha").notNull(),
    observedAt: at("observed_at").notNull(),
  },
  (t) => [index("branch_heads_branch_observed").on(t.branch, t.observedAt)],
);

export const commits = pgTable(
  "commits",
  {
    sha: text("sha").primaryKey(),
    committedAt: at("committed_at").notNull(),
    firstSeenAt: at("first_seen_at").notNull(),
    firstSeenBranch: text("first_seen_branch").notNull(),
  },
  // Sha prefixes are ranges in byte order; the primary key's collation (the database's, often
  // en_US or C.UTF-8) cannot serve `LIKE 'abc%'` or such a range. Full shas use the primary key.
  (t) => [
    index("commits_sha_bytes").on(sql`${t.sha} collate "C"`),
    // Lag and latency read a branch's commits by when they were first seen, in a window.
    index("commits_branch_first_seen").on(t.firstSeenBranch, t.firstSeenAt),
  ],
);

export const hydraEvals = pgTable("hydra_evals", {
  id: hydraId("id").primaryKey(),
  project: text("project").notNull(),
  jobset: text("jobset").notNull(),
  revision: text("revision"),
  evaluatedAt: at("evaluated_at"),
  hasNewBuilds: boolean("has_new_builds").notNull(),
  inputs: jsonb("inputs").$type<Record<string, { type: string; revision: string | null }>>(),
  fetchedAt: at("fetched_at").notNull(),
});

export const hydraBuilds = pgTable(
  "hydra_builds",
  {
    id: hydraId("id").primaryKey(),
    project: text("project").notNull(),
    jobset: text("jobset").notNull(),
    job: text("job").notNull(),
    system: text("system").notNull(),
    nixname: text("nixname"),
    finished: boolean("finished").notNull(),
    buildstatus: smallint("buildstatus"),
    evalIds: jsonb("eval_ids").$type<number[]>().notNull(),
    /** Hydra's `timestamp`: when the build was created (queued) by the eval that first had it. */
    queuedAt: at("queued_at"),
    startedAt: at("started_at"),
    stoppedAt: at("stopped_at"),
    fetchedAt: at("fetched_at").notNull(),
  },
  (t) => [
    // With the id, "the newest build of this job" is the first entry of the index, not a walk.
    index("hydra_builds_job").on(t.project, t.jobset, t.job, t.id),
    // The job strip counts a gate's pending and failed constituents: few builds among 200 per
    // eval, so these small indexes answer them without reading every constituent's row.
    index("hydra_builds_unfinished").on(t.id).where(sql`not ${t.finished}`),
    index("hydra_builds_failed")
      .on(t.id)
      .where(sql`${t.finished} and ${t.buildstatus} is distinct from 0`),
  ],
);

/**
 * Every finished result seen of a build. Hydra keeps a build's id when it is restarted and later
 * overwrites its status and times, so `hydra_builds` alone cannot tell "failed, then passed on
 * restart" from "passed": each poll that sees a finished build adds its (stoptime, status) here.
 */
export const hydraBuildResults = pgTable(
  "hydra_build_results",
  {
    buildId: hydraId("build_id").notNull(),
    /** Hydra's `stoptime` of this attempt (epoch when Hydra gave none). */
    stoppedAt: at("stopped_at").notNull(),
    buildstatus: smallint("buildstatus").notNull(),
    observedAt: at("observed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.buildId, t.stoppedAt, t.buildstatus] })],
);

export const aggregateConstituents = pgTable(
  "aggregate_constituents",
  {
    aggregateId: hydraId("aggregate_id").notNull(),
    constituentId: hydraId("constituent_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.aggregateId, t.constituentId] })],
);

/** `failed` is terminal: a step that kept failing stops there until an admin `retry`. */
export const releaseStates = [
  "pending",
  "files",
  "branch",
  "published",
  "abandoned",
  "failed",
] as const;
export type ReleaseState = (typeof releaseStates)[number];

export const releases = pgTable(
  "releases",
  {
    id: serial("id").primaryKey(),
    channel: text("channel").notNull(),
    name: text("name").notNull(),
    revision: text("revision").notNull(),
    revisionCommittedAt: at("revision_committed_at"),
    evalId: hydraId("eval_id").notNull(),
    buildId: hydraId("build_id").notNull(),
    state: text("state").$type<ReleaseState>().notNull().default("pending"),
    files: jsonb("files").$type<ReleaseFile[]>(),
    lastError: jsonb("last_error").$type<RecordedError>(),
    progress: jsonb("progress").$type<ReleaseProgress>(),
    /** Failed tries of the current step; reset when a step succeeds or an admin retries. */
    attempts: integer("attempts").notNull().default(0),
    /** No tick retries the step before this (exponential backoff); null = at the next tick. */
    nextAttemptAt: at("next_attempt_at"),
    /** The state a `failed` release stopped in, where `retry` resumes it. */
    failedFrom: text("failed_from").$type<ReleaseState>(),
    createdAt: at("created_at").notNull(),
    publishedAt: at("published_at"),
    /**
     * Retention chose this release for deletion: set before any file is removed, so nothing reading
     * the database (pin, history links) picks it again, and a crash mid-delete is finished later.
     */
    pruneStartedAt: at("prune_started_at"),
    /** Every file of the release is gone from storage. */
    prunedAt: at("pruned_at"),
  },
  (t) => [
    uniqueIndex("releases_channel_name").on(t.channel, t.name),
    index("releases_channel_state").on(t.channel, t.state),
    // The channel page's newest releases: the first entries, not every release sorted.
    index("releases_channel_created").on(t.channel, t.createdAt, t.id),
  ],
);

export const events = pgTable(
  "events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    channel: text("channel"),
    type: text("type").notNull(),
    at: at("at").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index("events_channel_at").on(t.channel, t.at)],
);

export type Channel = typeof channels.$inferSelect;
export type Release = typeof releases.$inferSelect;
export type NewRelease = typeof releases.$inferInsert;
export type HydraBuildRow = typeof hydraBuilds.$inferSelect;
export type EventRow = typeof events.$inferSelect;

/** Commits a published release brought into its channel (compare previous → new revision). */
export const releaseCommits = pgTable(
  "release_commits",
  {
    releaseId: integer("release_id").notNull(),
    sha: text("sha").notNull(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.sha] }), index("release_commits_sha").on(t.sha)],
);

/** Pull requests, fetched lazily when someone asks about them and cached. */
export const pullRequests = pgTable("pull_requests", {
  number: integer("number").primaryKey(),
  title: text("title").notNull(),
  state: text("state").notNull(),
  baseRef: text("base_ref").notNull(),
  mergeCommitSha: text("merge_commit_sha"),
  mergedAt: at("merged_at"),
  url: text("url").notNull(),
  fetchedAt: at("fetched_at").notNull(),
});

/** Which PRs carried a commit (`GET commits/{sha}/pulls`), cached once fetched. */
export const commitPulls = pgTable(
  "commit_pulls",
  {
    sha: text("sha").notNull(),
    number: integer("number").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sha, t.number] }), index("commit_pulls_number").on(t.number)],
);

export type PullRequestRow = typeof pullRequests.$inferSelect;

/** Hydra's `/api/jobsets` row for a jobset the last time a tick asked: is its newest eval building? */
export const hydraJobsets = pgTable(
  "hydra_jobsets",
  {
    project: text("project").notNull(),
    jobset: text("jobset").notNull(),
    scheduled: integer("scheduled").notNull(),
    total: integer("total"),
    lastCheckedAt: at("last_checked_at"),
    fetchedAt: at("fetched_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.jobset] })],
);

export const adminActions = ["freeze", "unfreeze", "pin", "unpin", "retry", "accept"] as const;
export type AdminAction = (typeof adminActions)[number];

/** Every admin action, who took it and why; public (never a token, only its label). */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    channel: text("channel").notNull(),
    action: text("action").$type<AdminAction>().notNull(),
    at: at("at").notNull(),
    reason: text("reason"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    /** The admin token's label (HTTP) or the local user (CLI). */
    actor: text("actor").notNull(),
    via: text("via").$type<"http" | "cli">().notNull(),
  },
  (t) => [index("audit_log_channel_at").on(t.channel, t.at)],
);

/** An admin's `accept` (the real updater's FORCE): these failed constituents of this eval may pass. */
export const acceptedFailures = pgTable(
  "accepted_failures",
  {
    id: serial("id").primaryKey(),
    channel: text("channel").notNull(),
    evalId: hydraId("eval_id").notNull(),
    /** Constituent job names as Hydra shows them (`nixos.tests.firewall.x86_64-linux`). */
    constituents: jsonb("constituents").$type<string[]>().notNull(),
    reason: text("reason").notNull(),
    actor: text("actor").notNull(),
    at: at("at").notNull(),
  },
  (t) => [index("accepted_failures_channel_eval").on(t.channel, t.evalId)],
);

export type AuditRow = typeof auditLog.$inferSelect;

export { type AlertKind, alertKinds };
export type AlertDeliveryState = "pending" | "sent" | "failed";
/** One target's (slack, webhook, log) result for an alert row. */
export type TargetDelivery = {
  state: AlertDeliveryState;
  attempts: number;
  status?: number;
  error?: string;
  at?: string;
};

/**
 * The alert outbox and its history: a row is written in the transaction that records the state
 * change, then delivered after the commit; sent and failed rows stay for the page and the API.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    channel: text("channel").notNull(),
    kind: text("kind").$type<AlertKind>().notNull(),
    /** channel:kind:subject (e.g. the blocking eval): what dedupe and cooldown compare. */
    dedupeKey: text("dedupe_key").notNull(),
    summary: text("summary").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    state: text("state").$type<AlertDeliveryState>().notNull().default("pending"),
    deliveries: jsonb("deliveries").$type<Record<string, TargetDelivery>>().notNull().default({}),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull(),
    /** A deliverer's claim, so two processes never send one row at the same time. */
    claimedUntil: at("claimed_until"),
    createdAt: at("created_at").notNull(),
    deliveredAt: at("delivered_at"),
    /** Set for a subscriber's notification: it goes to that subscription only, not the operators' targets. */
    subscriptionId: bigint("subscription_id", { mode: "number" }),
  },
  (t) => [
    index("alerts_state_next").on(t.state, t.nextAttemptAt),
    index("alerts_channel_created").on(t.channel, t.createdAt),
    index("alerts_subscription").on(t.subscriptionId, t.id),
  ],
);
export type AlertRow = typeof alerts.$inferSelect;

/** Per channel, what the alert rules remember between ticks (failure streaks, the block alerted, cooldowns). */
export const alertStates = pgTable("alert_states", {
  channel: text("channel").primaryKey(),
  state: jsonb("state").$type<Record<string, unknown>>().notNull(),
  updatedAt: at("updated_at").notNull(),
});

/**
 * What makes upstream reads conditional across processes: GitHub ETags with the body they stand
 * for, and answers that are asked at most once per period (Hydra's `/api/jobsets`). A `tick` run
 * by cron and every Workers invocation start warm from here.
 */
export const upstreamCache = pgTable(
  "upstream_cache",
  {
    key: text("key").primaryKey(),
    etag: text("etag"),
    body: jsonb("body").$type<unknown>().notNull(),
    storedAt: at("stored_at").notNull(),
    /** Last stored or confirmed (a 304); the least recently used rows are pruned first. */
    usedAt: at("used_at").notNull(),
  },
  (t) => [index("upstream_cache_used_at").on(t.usedAt)],
);

/** Request pacing shared by every process and Workers invocation: the next free start per upstream. */
export const upstreamPace = pgTable("upstream_pace", {
  name: text("name").primaryKey(),
  nextStartAt: at("next_start_at").notNull(),
});

export const subscriptionKinds = ["pr", "commit", "channel"] as const;
export type SubscriptionKind = (typeof subscriptionKinds)[number];
export const subscriptionDeliveries = ["webhook", "slack", "feed"] as const;
export type SubscriptionDelivery = (typeof subscriptionDeliveries)[number];

/**
 * Someone's wish to be told, with no account: the token that reads or cancels it is stored only as
 * its sha256, so a database dump cannot act for a subscriber. The webhook secret must sign, so it
 * is stored as is.
 */
export const subscriptions = pgTable(
  "subscriptions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tokenHash: text("token_hash").notNull(),
    kind: text("kind").$type<SubscriptionKind>().notNull(),
    /** The PR number, the full commit sha, or the channel name. */
    subject: text("subject").notNull(),
    /** The branch the change was made against (a PR's base); null for a channel. */
    branch: text("branch"),
    /** Channels a PR or commit must reach before the subscription ends by itself. */
    channels: jsonb("channels").$type<string[]>().notNull().default([]),
    /** Channels it reached, each notified once. */
    reached: jsonb("reached").$type<string[]>().notNull().default([]),
    delivery: text("delivery").$type<SubscriptionDelivery>().notNull(),
    url: text("url"),
    secret: text("secret"),
    /** The client address that created it, for the per-client limit. */
    client: text("client").notNull(),
    createdAt: at("created_at").notNull(),
    endedAt: at("ended_at"),
    /** `landed` (every channel reached) or `cancelled`. */
    endReason: text("end_reason"),
  },
  (t) => [
    uniqueIndex("subscriptions_token_hash").on(t.tokenHash),
    index("subscriptions_subject").on(t.kind, t.subject),
    index("subscriptions_client_created").on(t.client, t.createdAt),
    index("subscriptions_url").on(t.url),
  ],
);
export type SubscriptionRow = typeof subscriptions.$inferSelect;
