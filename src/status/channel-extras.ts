import { and, asc, eq, inArray } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Db } from "../db/client.ts";
import {
  aggregateConstituents,
  commitPulls,
  hydraBuilds,
  pullRequests,
  releaseCommits,
  releases,
} from "../db/schema.ts";
import { NotFoundError } from "../errors.ts";
import type { FailingConstituent, JobHistoryEntry } from "../hydra/job-history.ts";
import type { LagReadModel } from "./lag/lag-read-model.ts";
import { DEFAULT_LAG_DAYS } from "./lag/lag-schema.ts";
import type { ChannelPageExtras } from "./pages/channel-page.ts";
import type { ChannelDetail } from "./read-model/channel-detail.ts";

export interface ReleasePull {
  number: number;
  title: string;
  url: string;
}

/** The PRs known (looked up and cached) for the commits each release brought, by release name. */
export async function releasePulls(
  db: Db,
  channel: string,
  releaseNames: string[],
): Promise<Map<string, ReleasePull[]>> {
  if (releaseNames.length === 0) return new Map();
  const rows = await db
    .selectDistinct({
      release: releases.name,
      number: pullRequests.number,
      title: pullRequests.title,
      url: pullRequests.url,
    })
    .from(releases)
    .innerJoin(releaseCommits, eq(releaseCommits.releaseId, releases.id))
    .innerJoin(commitPulls, eq(commitPulls.sha, releaseCommits.sha))
    .innerJoin(pullRequests, eq(pullRequests.number, commitPulls.number))
    .where(and(eq(releases.channel, channel), inArray(releases.name, releaseNames)))
    .orderBy(asc(pullRequests.number));
  const byRelease = new Map<string, ReleasePull[]>();
  for (const { release, ...pull } of rows) {
    byRelease.set(release, [...(byRelease.get(release) ?? []), pull]);
  }
  return byRelease;
}

export interface PendingConstituent {
  buildId: number;
  job: string;
  system: string;
  queuedAt: string | null;
}

/** Constituents of a gate build still queued or building, oldest first (at most `limit`). */
export async function pendingConstituents(
  db: Db,
  aggregateId: number,
  limit = 50,
): Promise<PendingConstituent[]> {
  const rows = await db
    .select({
      buildId: hydraBuilds.id,
      job: hydraBuilds.job,
      system: hydraBuilds.system,
      queuedAt: hydraBuilds.queuedAt,
    })
    .from(aggregateConstituents)
    .innerJoin(hydraBuilds, eq(hydraBuilds.id, aggregateConstituents.constituentId))
    .where(and(eq(aggregateConstituents.aggregateId, aggregateId), eq(hydraBuilds.finished, false)))
    .orderBy(asc(hydraBuilds.queuedAt), asc(hydraBuilds.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, queuedAt: r.queuedAt?.toISOString() ?? null }));
}

/** A failing constituent of the newest gate and the first gate of its unbroken failing streak. */
export interface FailingStreak extends FailingConstituent {
  firstFailingEval: number | null;
  failingSince: string | null;
}

/** Pure: for each constituent failing in the newest gate, since which eval it has kept failing. */
export function failingStreaks(history: JobHistoryEntry[]): FailingStreak[] {
  const newest = history.at(-1);
  if (!newest) return [];
  return newest.failing.map((f) => {
    let first = newest;
    for (let i = history.length - 2; i >= 0; i--) {
      const entry = history[i];
      if (!entry?.failing.some((g) => g.job === f.job && g.system === f.system)) break;
      first = entry;
    }
    return {
      ...f,
      firstFailingEval: first.evalId,
      failingSince: first.evaluatedAt ?? first.finishedAt,
    };
  });
}

/** What the channel page reads from the database beside the detail: the live gate and PRs. */
export interface ChannelPageFacts {
  pending: PendingConstituent[];
  pulls: Map<string, ReleasePull[]>;
}

export async function channelPageFacts(
  db: Db,
  channel: string,
  history: Pick<ChannelDetail, "funnel" | "releases">,
): Promise<ChannelPageFacts> {
  const gate = history.funnel.newestGate;
  return {
    pending: gate ? await pendingConstituents(db, gate.buildId) : [],
    pulls: await releasePulls(
      db,
      channel,
      history.releases.map((r) => r.name),
    ),
  };
}

/** What the channel page adds to a channel's detail: lag over 90 days, the gate's live facts, PRs. */
export async function channelPageExtras(
  deps: { lag: LagReadModel; channels: ChannelSpec[] },
  d: ChannelDetail,
  facts: ChannelPageFacts,
): Promise<ChannelPageExtras> {
  const name = d.channel.name;
  const spec = deps.channels.find((s) => s.name === name);
  if (!spec) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
  return {
    lag: await deps.lag.lag(spec, DEFAULT_LAG_DAYS),
    lagUrl: `/api/v1/channels/${name}/lag?days=${DEFAULT_LAG_DAYS}`,
    failing: failingStreaks(d.jobHistory),
    ...facts,
  };
}
