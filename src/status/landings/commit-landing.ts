import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import type { PullRequestRow } from "../../db/schema.ts";
import { type BranchGraph, graphOfSourceBranches } from "../../domain/branch-graph.ts";
import { AppError, NotFoundError } from "../../errors.ts";
import { isNotFound, type LookupHost } from "../../git/budgeted-lookup-host.ts";
import { cachedPullsForCommit } from "../../git/cached-pulls.ts";
import type { LookupWrites } from "../../git/lookup-writes.ts";
import { currentReleaseOf } from "../read-model/channel-status.ts";
import { type ChannelLanding, containment, type LandingContext } from "./channel-landing.ts";
import { type CommitFacts, commitFacts } from "./commit-facts.ts";
import { type ChainBase, chainLandings, type NodeLanding } from "./graph-landing.ts";
import { landedReleases, type PublishedRef } from "./landing-queries.ts";
import { type Shortfall, type Shortfalls, shortfalls } from "./partial-answer.ts";

export interface LandingDeps {
  db: Db;
  /** Lookups' reads: within their own GitHub budget, never the tick's (lookup-guard.ts). */
  git: LookupHost;
  /** What lookups learn is written after the answer, never by the GET itself. */
  lookupWrites: LookupWrites;
  channels: ChannelSpec[];
  /** Where changes flow; default: each channel follows its source branch. */
  branchGraph?: BranchGraph;
  clock: Clock;
  publicUrl: string;
  hydraUrl?: string;
  /** How a lookup reads what floodgate recorded (default one query each; `batchedCommitFacts`). */
  commitFacts?: (prefix: string) => Promise<CommitFacts[]>;
  /** The revision a channel serves; default a query, the routes read the in-memory read model. */
  servedRevision?: (channel: string) => Promise<string | null>;
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
  /** Where the change entered the branch graph: its merged PRs' base branches, else where first seen. */
  bases: string[];
  /** The bases, then every branch and channel downstream of them, in flow order. */
  chain: NodeLanding[];
  /** The chain's channels (every configured one when the bases are not in the graph). */
  channels: ChannelLanding[];
  /**
   * Present when GitHub could not be asked for part of the answer: what floodgate recorded
   * answered instead, and what it could not tell is `unknown`. Absent: the answer is whole.
   */
  partial?: Shortfall;
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

/** A commit as a lookup found it: what floodgate recorded about it, when it knows it. */
export interface ResolvedCommit {
  summary: CommitSummary;
  /** Null for a commit floodgate never saw on a branch (only the host knows it). */
  facts: CommitFacts | null;
}

/** A full sha or a prefix of at least 7 hex digits, from what floodgate saw, else from the host. */
export async function resolveCommit(deps: LandingDeps, input: string): Promise<CommitSummary> {
  return (await resolveWithFacts(deps, input)).summary;
}

/** As `resolveCommit`, with what floodgate recorded about the commit (read in the same query). */
export async function resolveWithFacts(deps: LandingDeps, input: string): Promise<ResolvedCommit> {
  const wanted = input.trim().toLowerCase();
  if (!SHA_PREFIX.test(wanted)) {
    throw badRequest(`"${input}" is not a commit sha: expected 7 to 40 hex digits`, { input });
  }
  const known = await (deps.commitFacts ?? ((p) => commitFacts(deps.db, p)))(wanted);
  if (known.length > 1) {
    throw badRequest(`"${wanted}" matches more than one commit; give more digits`, { input });
  }
  const [facts] = known;
  if (facts) {
    const row = facts.commit;
    const summary = {
      sha: row.sha,
      committedAt: row.committedAt.toISOString(),
      firstSeen: { at: row.firstSeenAt.toISOString(), branch: row.firstSeenBranch },
    };
    return { summary, facts };
  }
  try {
    const found = await deps.git.commit(wanted);
    const summary = {
      sha: found.sha,
      committedAt: found.committedAt.toISOString(),
      firstSeen: null,
    };
    return { summary, facts: null };
  } catch (err) {
    if (isNotFound(err)) {
      throw new NotFoundError(`no commit ${wanted} in the repository`, { sha: wanted });
    }
    throw err;
  }
}

function landingContext(
  deps: LandingDeps,
  missing: Shortfalls,
  facts: CommitFacts | null,
): LandingContext {
  const landed = new Map<string, Promise<Map<string, PublishedRef>>>();
  if (facts) landed.set(facts.commit.sha, Promise.resolve(facts.landed));
  return {
    landedIn: (sha) => {
      let answer = landed.get(sha);
      if (!answer) {
        answer = landedReleases(deps.db, sha);
        landed.set(sha, answer);
      }
      return answer;
    },
    db: deps.db,
    git: deps.git,
    lookupWrites: deps.lookupWrites,
    now: deps.clock.now(),
    publicUrl: deps.publicUrl,
    hydraUrl: deps.hydraUrl,
    contains: containment(deps.git),
    shortfalls: missing,
    servedRevision:
      deps.servedRevision ??
      (async (channel) => (await currentReleaseOf(deps.db, channel))?.revision ?? null),
  };
}

/** The chain from `bases` through the branch graph, each node landed (since when) or not yet (ETA). */
export async function graphLandings(
  deps: LandingDeps,
  commit: CommitSummary,
  bases: ChainBase[],
  missing: Shortfalls,
  facts: CommitFacts | null,
): Promise<{ chain: NodeLanding[]; channels: ChannelLanding[] }> {
  const graph = deps.branchGraph ?? graphOfSourceBranches(deps.channels);
  const ctx = landingContext(deps, missing, facts);
  return chainLandings(ctx, graph, deps.channels, commit, bases);
}

/** A commit enters the graph where its merged PRs were merged, else where floodgate first saw it. */
export function commitBases(commit: CommitSummary, pulls: PullSummary[]): ChainBase[] {
  const merged = pulls.filter((p) => p.merged);
  if (merged.length > 0) return merged.map((p) => ({ node: p.baseRef, at: p.mergedAt }));
  return commit.firstSeen ? [{ node: commit.firstSeen.branch, at: commit.firstSeen.at }] : [];
}

/**
 * The PRs that carried the commit: as recorded, else asked of GitHub once; none known when GitHub
 * cannot be asked (the answer is partial).
 */
async function commitPulls(
  deps: LandingDeps,
  sha: string,
  recorded: PullRequestRow[] | null,
  missing: Shortfalls,
): Promise<PullSummary[]> {
  if (recorded) return recorded.map(pullSummary);
  try {
    return (await cachedPullsForCommit(deps, sha, deps.clock.now())).map(pullSummary);
  } catch (err) {
    missing.note(err);
    return [];
  }
}

/** `partial` when a shortfall was noted, else nothing (the answer is whole). */
export function partialOf(missing: Shortfalls): { partial?: Shortfall } {
  const first = missing.first();
  return first ? { partial: first } : {};
}

/** `GET /api/v1/commits/{sha}`: where a commit has landed along its chain, since when, and ETAs. */
export async function commitLanding(deps: LandingDeps, input: string): Promise<CommitReport> {
  const { summary: commit, facts } = await resolveWithFacts(deps, input);
  const missing = shortfalls();
  const pulls = await commitPulls(deps, commit.sha, facts?.pulls ?? null, missing);
  const bases = commitBases(commit, pulls);
  const { chain, channels } = await graphLandings(deps, commit, bases, missing, facts);
  return { commit, pulls, bases: bases.map((b) => b.node), chain, channels, ...partialOf(missing) };
}
