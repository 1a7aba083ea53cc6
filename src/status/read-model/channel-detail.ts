import { desc, eq } from "drizzle-orm";
import type { ChannelSpec } from "../../config/channels-file.ts";
import { buildsOfJob } from "../../db/builds-of-job.ts";
import type { Db } from "../../db/client.ts";
import { events, hydraBuilds, type ReleaseProgress, type ReleaseState } from "../../db/schema.ts";
import { NotFoundError } from "../../errors.ts";
import { latestBranchHead } from "../../git/latest-branch-head.ts";
import { HISTORY_DAYS } from "../../hydra/backfill-history.ts";
import { type JobHistoryEntry, jobHistory } from "../../hydra/job-history.ts";
import { type AlertView, alertViews } from "./alert-view.ts";
import { type AuditEntry, listAuditEntries } from "./audit-entries.ts";
import { type ChannelStatus, listChannelStatus, listReleases } from "./channel-status.ts";

export interface ChannelDetail {
  channel: ChannelStatus;
  /** The funnel: where each stage between master and the channel branch stands. */
  funnel: {
    sourceBranch: { name: string; head: string | null; observedAt: string | null };
    newestGate: {
      buildId: number;
      releaseName: string | null;
      finished: boolean;
      buildstatus: number | null;
    } | null;
    branch: { name: string; head: string | null; observedAt: string | null };
  };
  releases: {
    name: string;
    revision: string;
    state: ReleaseState;
    evalId: number;
    createdAt: string;
    publishedAt: string | null;
    lastError: { code: string; message: string; step: string } | null;
    /** A long files-step task's progress (programs.sqlite), while it runs and after. */
    progress: ReleaseProgress | null;
  }[];
  events: { type: string; at: string; summary: string }[];
  /** Admin actions (freeze, pin, accept…), newest first. */
  audit: AuditEntry[];
  /** The channel's newest alerts and how their delivery went. */
  alerts: AlertView[];
  /** One entry per gate build of the last 30 days, oldest first: status.nixos.org's job strip. */
  jobHistory: JobHistoryEntry[];
}

/** What the detail reads from the database besides the status row and the job strip. */
export type ChannelHistory = Omit<ChannelDetail, "channel" | "jobHistory">;

async function lastHead(db: Db, branch: string) {
  const row = await latestBranchHead(db, branch);
  return {
    name: branch,
    head: row?.sha ?? null,
    observedAt: row?.observedAt.toISOString() ?? null,
  };
}

export function specOf(specs: ChannelSpec[], name: string): ChannelSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
  return spec;
}

/** The funnel, newest releases, events, audit and alerts of one channel: each a bounded read. */
export async function loadChannelHistory(db: Db, spec: ChannelSpec): Promise<ChannelHistory> {
  const name = spec.name;
  const [gates, recentEvents, sourceBranch, branch, releases, alerts, audit] = await Promise.all([
    db
      .select()
      .from(hydraBuilds)
      .where(buildsOfJob(spec.job))
      .orderBy(desc(hydraBuilds.id))
      .limit(1),
    db
      .select()
      .from(events)
      .where(eq(events.channel, name))
      .orderBy(desc(events.at), desc(events.id))
      .limit(20),
    lastHead(db, spec.sourceBranch),
    lastHead(db, spec.branch),
    listReleases(db, name, 20),
    alertViews(db, { channel: name, limit: 10 }),
    listAuditEntries(db, name, 20),
  ]);
  const gate = gates[0];
  return {
    funnel: {
      sourceBranch,
      newestGate: gate
        ? {
            buildId: gate.id,
            releaseName: gate.nixname,
            finished: gate.finished,
            buildstatus: gate.buildstatus,
          }
        : null,
      branch,
    },
    releases: releases.map((r) => ({
      name: r.name,
      revision: r.revision,
      state: r.state,
      evalId: r.evalId,
      createdAt: r.createdAt.toISOString(),
      publishedAt: r.publishedAt?.toISOString() ?? null,
      lastError: r.lastError ?? null,
      progress: r.progress ?? null,
    })),
    alerts,
    events: recentEvents.map((e) => ({
      type: e.type,
      at: e.at.toISOString(),
      summary: typeof e.data.summary === "string" ? e.data.summary : e.type,
    })),
    audit,
  };
}

/** The job strip: the channel job's gate builds of the last `HISTORY_DAYS` days. */
export function loadJobStrip(
  db: Db,
  spec: ChannelSpec,
  now: Date,
  hydraUrl: string,
): Promise<JobHistoryEntry[]> {
  return jobHistory(db, spec, new Date(now.getTime() - HISTORY_DAYS * 86_400_000), { hydraUrl });
}

/** Pure: the detail from its parts, the status row as of `now` from the read model's rows. */
export function composeDetail(
  channel: ChannelStatus,
  history: ChannelHistory,
  jobHistory: JobHistoryEntry[],
): ChannelDetail {
  return { channel, ...history, jobHistory };
}

/**
 * Everything the channel page and `/api/v1/channels/{channel}` show about one channel, read now
 * (serving goes through `channel-detail-model.ts`, which keeps the parts per generation).
 */
export async function channelDetail(
  db: Db,
  specs: ChannelSpec[],
  name: string,
  now: Date,
  urls: { publicUrl: string; hydraUrl: string },
): Promise<ChannelDetail> {
  const spec = specOf(specs, name);
  const [channel] = await listChannelStatus(db, [spec], now, urls.publicUrl);
  if (!channel) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
  const history = await loadChannelHistory(db, spec);
  return composeDetail(channel, history, await loadJobStrip(db, spec, now, urls.hydraUrl));
}
