import { and, desc, eq } from "drizzle-orm";
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

async function lastHead(db: Db, branch: string) {
  const row = await latestBranchHead(db, branch);
  return {
    name: branch,
    head: row?.sha ?? null,
    observedAt: row?.observedAt.toISOString() ?? null,
  };
}

/** Everything the channel page and `/api/v1/channels/{channel}` show about one channel. */
export async function channelDetail(
  db: Db,
  specs: ChannelSpec[],
  name: string,
  now: Date,
  urls: { publicUrl: string; hydraUrl: string },
): Promise<ChannelDetail> {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
  const [channel] = await listChannelStatus(db, [spec], now, urls.publicUrl);
  if (!channel) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
  const [gate] = await db
    .select()
    .from(hydraBuilds)
    .where(and(buildsOfJob(spec.job)))
    .orderBy(desc(hydraBuilds.id))
    .limit(1);
  const recentEvents = await db
    .select()
    .from(events)
    .where(eq(events.channel, name))
    .orderBy(desc(events.at), desc(events.id))
    .limit(20);
  return {
    channel,
    funnel: {
      sourceBranch: await lastHead(db, spec.sourceBranch),
      newestGate: gate
        ? {
            buildId: gate.id,
            releaseName: gate.nixname,
            finished: gate.finished,
            buildstatus: gate.buildstatus,
          }
        : null,
      branch: await lastHead(db, spec.branch),
    },
    releases: (await listReleases(db, name, 20)).map((r) => ({
      name: r.name,
      revision: r.revision,
      state: r.state,
      evalId: r.evalId,
      createdAt: r.createdAt.toISOString(),
      publishedAt: r.publishedAt?.toISOString() ?? null,
      lastError: r.lastError ?? null,
      progress: r.progress ?? null,
    })),
    alerts: await alertViews(db, { channel: name, limit: 10 }),
    events: recentEvents.map((e) => ({
      type: e.type,
      at: e.at.toISOString(),
      summary: typeof e.data.summary === "string" ? e.data.summary : e.type,
    })),
    audit: await listAuditEntries(db, name, 20),
    jobHistory: await jobHistory(db, spec, new Date(now.getTime() - HISTORY_DAYS * 86_400_000), {
      hydraUrl: urls.hydraUrl,
    }),
  };
}
