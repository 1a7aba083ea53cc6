import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import type { LookupHost } from "../../git/budgeted-lookup-host.ts";
import { latestBranchHead } from "../../git/latest-branch-head.ts";
import type { LookupWrites } from "../../git/lookup-writes.ts";
import { channelDir } from "../../publish/release-paths.ts";
import { CADENCE_WINDOW, type Eta, estimateLanding } from "./advance-cadence.ts";
import {
  buildingEvalSaw,
  firstReleaseSeenAfter,
  landedRelease,
  type PublishedRef,
  publishedReleases,
  recentPublishTimes,
  runningGateEvals,
} from "./landing-queries.ts";
import type { Shortfalls } from "./partial-answer.ts";

export interface ReleaseRef {
  name: string;
  publishedAt: string | null;
  url: string;
}

export type ChannelLanding =
  /** `release` is null when the commit was in the channel before floodgate's first release. */
  | { channel: string; status: "landed"; release: ReleaseRef | null; note?: string }
  | {
      channel: string;
      status: "pending";
      /** Commits the channel's revision lacks up to and including this one. */
      behindBy: number;
      /** `evalId` is null when Hydra says only that the jobset's newest eval is building. */
      evalRunning: { evalId: number | null; url: string | null } | null;
      eta: Eta;
    }
  | {
      channel: string;
      status: "not-on-branch";
      sourceBranch: string;
      /** Its branch's ETA, then the channel's cadence (in a graph lookup). */
      eta: Eta;
    }
  | { channel: string; status: "no-release" }
  /** GitHub could not be asked (the answer's `partial` says why) and the records do not tell. */
  | { channel: string; status: "unknown"; reason: string };

/** Where and when floodgate first saw a commit on a branch it follows. */
export interface FirstSeen {
  branch: string;
  at: string;
}

/** The commit a landing is asked about, as far as floodgate knows it. */
export interface LandingCommit {
  sha: string;
  committedAt?: string;
  firstSeen: FirstSeen | null;
}

export interface LandingContext {
  db: Db;
  git: LookupHost;
  lookupWrites: LookupWrites;
  now: Date;
  publicUrl: string;
  hydraUrl?: string;
  /** The first release of each channel recorded as bringing `sha`, read once per request. */
  landedIn?(sha: string): Promise<Map<string, PublishedRef>>;
  /** Whether `revision` contains `sha`, memoised per request (see `containment`). */
  contains(sha: string, revision: string): Promise<{ contained: boolean; behindBy: number }>;
  /** Where GitHub failed this lookup: the answer is then partial (partial-answer.ts). */
  shortfalls: Shortfalls;
  /** The revision a channel serves (pinned, else current), null before its first release. */
  servedRevision(channel: string): Promise<string | null>;
}

/** What finding a channel's first release with a commit needs (a subscription's follow pass too). */
type SearchContext = Pick<LandingContext, "db" | "contains" | "lookupWrites">;

/** Ancestry through the host's compare, asked once per revision within one request. */
export function containment(git: LookupHost): LandingContext["contains"] {
  const memo = new Map<string, Promise<{ contained: boolean; behindBy: number }>>();
  return (sha, revision) => {
    if (sha === revision) return Promise.resolve({ contained: true, behindBy: 0 });
    const key = `${sha}...${revision}`;
    let answer = memo.get(key);
    if (!answer) {
      answer = git.compare(sha, revision, { maxCommits: 0 }).then((cmp) => ({
        contained: cmp.status === "ahead" || cmp.status === "identical",
        behindBy: cmp.behindBy,
      }));
      memo.set(key, answer);
    }
    return answer;
  };
}

function releaseRef(ctx: LandingContext, release: PublishedRef): ReleaseRef {
  return {
    name: release.name,
    publishedAt: release.publishedAt?.toISOString() ?? null,
    url: `${ctx.publicUrl}/releases/${channelDir(release.channel)}/${release.name}`,
  };
}

/**
 * The earliest published release containing `sha` (releases only fast-forward, so containment is
 * monotonic and a binary search needs log2(n) compares). The answer is cached as a landing unless
 * it is the channel's first release, which may have found the commit already there.
 */
export async function firstContaining(
  ctx: SearchContext,
  channel: string,
  sha: string,
  committedAt?: string,
): Promise<PublishedRef | null> {
  // A release published before the commit was made cannot have it (a day allows for skewed clocks).
  const since = committedAt ? new Date(Date.parse(committedAt) - COMMIT_CLOCK_SKEW_MS) : undefined;
  const recent = since ? await publishedReleases(ctx.db, channel, { since }) : null;
  const first = recent?.[0];
  const anchored =
    recent !== null &&
    first !== undefined &&
    first.publishedAt !== null &&
    since !== undefined &&
    first.publishedAt < since;
  // Without an anchor the window starts at the channel's first release; if the anchor already has
  // the commit, the clocks lied: search everything.
  if (recent && (!anchored || !(first && (await ctx.contains(sha, first.revision)).contained))) {
    return searchFirst(ctx, recent, sha, anchored);
  }
  return searchFirst(ctx, await publishedReleases(ctx.db, channel), sha, false);
}

const COMMIT_CLOCK_SKEW_MS = 86_400_000;

/** Binary search of `published` (oldest first) for the first release containing `sha`. */
async function searchFirst(
  ctx: SearchContext,
  published: PublishedRef[],
  sha: string,
  anchored: boolean,
): Promise<PublishedRef | null> {
  let lo = anchored ? 1 : 0;
  let hi = published.length - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const release = published[mid];
    if (release && (await ctx.contains(sha, release.revision)).contained) hi = mid;
    else lo = mid + 1;
  }
  const found = published[lo];
  // Index 0 unanchored is the channel's first release, which may have found the commit there.
  if (!found || (lo === 0 && !anchored)) return null;
  ctx.lookupWrites.landing(found.id, sha);
  return found;
}

async function sourceContains(ctx: LandingContext, spec: ChannelSpec, sha: string) {
  const recorded = (await latestBranchHead(ctx.db, spec.sourceBranch))?.sha ?? null;
  if (recorded && (await ctx.contains(sha, recorded)).contained) return true;
  // The tick may not have seen the newest push yet; a conditional read is free when unchanged.
  const live = await ctx.git.branchHead(spec.sourceBranch);
  return live !== null && live.sha !== recorded && (await ctx.contains(sha, live.sha)).contained;
}

async function runningEval(ctx: LandingContext, spec: ChannelSpec, sha: string) {
  for (const ev of await runningGateEvals(ctx.db, spec.job)) {
    if ((await ctx.contains(sha, ev.revision)).contained) {
      const url = ctx.hydraUrl ? `${ctx.hydraUrl.replace(/\/+$/, "")}/eval/${ev.evalId}` : null;
      return { evalId: ev.evalId, url };
    }
  }
  if (await buildingEvalSaw(ctx.db, spec.job, sha)) {
    const { project, jobset } = spec.job;
    const url = ctx.hydraUrl
      ? `${ctx.hydraUrl.replace(/\/+$/, "")}/jobset/${project}/${jobset}#tabs-evaluations`
      : null;
    return { evalId: null, url };
  }
  return null;
}

/** Whether one channel has `sha`: since which release, or how far behind and when it may get it. */
export async function channelLanding(
  ctx: LandingContext,
  spec: ChannelSpec,
  commit: LandingCommit,
): Promise<ChannelLanding> {
  const channel = spec.name;
  const { sha } = commit;
  const recorded = ctx.landedIn
    ? ((await ctx.landedIn(sha)).get(channel) ?? null)
    : await landedRelease(ctx.db, channel, sha);
  if (recorded) {
    return { channel, status: "landed", release: releaseRef(ctx, recorded) };
  }
  const served = await ctx.servedRevision(channel);
  if (!served) return { channel, status: "no-release" };
  try {
    return await askedLanding(ctx, spec, commit, served);
  } catch (err) {
    const reason = ctx.shortfalls.note(err);
    return recordedAncestry(ctx, spec, commit, reason);
  }
}

/** The answer through GitHub's ancestry: landed since when, pending, or not on the branch. */
async function askedLanding(
  ctx: LandingContext,
  spec: ChannelSpec,
  commit: LandingCommit,
  currentRevision: string,
): Promise<ChannelLanding> {
  const channel = spec.name;
  const { sha } = commit;
  const inCurrent = await ctx.contains(sha, currentRevision);
  if (inCurrent.contained) {
    const first = await firstContaining(ctx, channel, sha, commit.committedAt);
    if (first) return { channel, status: "landed", release: releaseRef(ctx, first) };
    const note = "in the channel before the first release floodgate published";
    return { channel, status: "landed", release: null, note };
  }
  if (!(await sourceContains(ctx, spec, sha))) {
    const eta: Eta = { kind: "unknown", reason: `waits for ${spec.sourceBranch} to get it` };
    return { channel, status: "not-on-branch", sourceBranch: spec.sourceBranch, eta };
  }
  const evalRunning = await runningEval(ctx, spec, sha);
  const times = await recentPublishTimes(ctx.db, channel, CADENCE_WINDOW);
  return {
    channel,
    status: "pending",
    behindBy: inCurrent.behindBy,
    evalRunning,
    eta: estimateLanding(times, ctx.now, evalRunning !== null),
  };
}

/**
 * Without GitHub: a release whose revision floodgate first saw on the channel's branch after it
 * first saw the commit there contains the commit (the branch only fast-forwards, and a release's
 * revision was the branch's head when Hydra took it). The earliest such release has it, though
 * an earlier one may have had it already; anything else is unknown.
 */
async function recordedAncestry(
  ctx: LandingContext,
  spec: ChannelSpec,
  commit: LandingCommit,
  reason: string,
): Promise<ChannelLanding> {
  const channel = spec.name;
  const seen = commit.firstSeen;
  const release =
    seen?.branch === spec.sourceBranch
      ? await firstReleaseSeenAfter(ctx.db, channel, seen.branch, new Date(seen.at))
      : null;
  if (!release) return { channel, status: "unknown", reason };
  const note = `by the history of ${seen?.branch} floodgate recorded (GitHub could not be asked): in this release, or already in an earlier one`;
  return { channel, status: "landed", release: releaseRef(ctx, release), note };
}
