import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import type { PullRequestRow } from "../../db/schema.ts";
import { AppError, NotFoundError } from "../../errors.ts";
import { isNotFound, type LookupHost } from "../../git/budgeted-lookup-host.ts";
import { cachedPullsForCommit } from "../../git/cached-pulls.ts";
import type { LookupWrites } from "../../git/lookup-writes.ts";
import { type ChannelLanding, channelLanding, containment } from "./channel-landing.ts";
import { commitsByPrefix } from "./landing-queries.ts";

export interface LandingDeps {
  db: Db;
  /** Lookups' reads: within their own GitHub budget, never the tick's (lookup-guard.ts). */
  git: LookupHost;
  /** What lookups learn is written after the answer, never by the GET itself. */
  lookupWrites: LookupWrites;
  channels: ChannelSpec[];
  clock: Clock;
  publicUrl: string;
  hydraUrl?: string;
}

export interface CommitSummary {
  sha: string;
  committedAt: string;
  /** When floodgate first saw it on a tracked branch; null for a commit it only looked up. */
  firstSeen: { at: string; branch: string } | null;
}

export interface PullSummary {
  number: number;
  title: string;
  state: string;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  baseRef: string;
  url: string;
}

export interface CommitReport {
  commit: CommitSummary;
  pulls: PullSummary[];
  channels: ChannelLanding[];
}

const SHA_PREFIX = /^[0-9a-f]{7,40}$/;

export function badRequest(message: string, context: Record<string, unknown> = {}): AppError {
  return new AppError("BAD_REQUEST", message, { context });
}

export function pullSummary(p: PullRequestRow): PullSummary {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    merged: p.mergedAt !== null,
    mergedAt: p.mergedAt?.toISOString() ?? null,
    mergeCommitSha: p.mergeCommitSha,
    baseRef: p.baseRef,
    url: p.url,
  };
}

/** A full sha or a prefix of at least 7 hex digits, from what floodgate saw, else from the host. */
export async function resolveCommit(deps: LandingDeps, input: string): Promise<CommitSummary> {
  const wanted = input.trim().toLowerCase();
  if (!SHA_PREFIX.test(wanted)) {
    throw badRequest(`"${input}" is not a commit sha: expected 7 to 40 hex digits`, { input });
  }
  const known = await commitsByPrefix(deps.db, wanted);
  if (known.length > 1) {
    throw badRequest(`"${wanted}" matches more than one commit; give more digits`, { input });
  }
  const [row] = known;
  if (row) {
    return {
      sha: row.sha,
      committedAt: row.committedAt.toISOString(),
      firstSeen: { at: row.firstSeenAt.toISOString(), branch: row.firstSeenBranch },
    };
  }
  try {
    const found = await deps.git.commit(wanted);
    return { sha: found.sha, committedAt: found.committedAt.toISOString(), firstSeen: null };
  } catch (err) {
    if (isNotFound(err)) {
      throw new NotFoundError(`no commit ${wanted} in the repository`, { sha: wanted });
    }
    throw err;
  }
}

/** Every configured channel's answer for one commit. */
export async function channelLandings(deps: LandingDeps, sha: string): Promise<ChannelLanding[]> {
  const ctx = {
    db: deps.db,
    git: deps.git,
    lookupWrites: deps.lookupWrites,
    now: deps.clock.now(),
    publicUrl: deps.publicUrl,
    hydraUrl: deps.hydraUrl,
    contains: containment(deps.git),
  };
  const out: ChannelLanding[] = [];
  // One after another: answers share compares through `contains`, and PGlite has one connection.
  for (const spec of deps.channels) out.push(await channelLanding(ctx, spec, sha));
  return out;
}

/** `GET /api/v1/commits/{sha}`: which channels contain a commit, since when, and the ETA for the rest. */
export async function commitLanding(deps: LandingDeps, input: string): Promise<CommitReport> {
  const commit = await resolveCommit(deps, input);
  const pulls = await cachedPullsForCommit(deps, commit.sha, deps.clock.now());
  return {
    commit,
    pulls: pulls.map(pullSummary),
    channels: await channelLandings(deps, commit.sha),
  };
}
