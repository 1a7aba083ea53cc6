import type { ChannelSpec } from "../../config/channels-file.ts";
import { type BranchGraph, downstreamOfAll, flowOrder } from "../../domain/branch-graph.ts";
import { latestBranchHead } from "../../git/latest-branch-head.ts";
import { CADENCE_WINDOW, type Eta, estimateLanding } from "./advance-cadence.ts";
import { chainedEta, earliestEta, estimateMerge } from "./branch-eta.ts";
import {
  type ChannelLanding,
  channelLanding,
  type FirstSeen,
  type LandingCommit,
  type LandingContext,
} from "./channel-landing.ts";
import { recentPublishTimes } from "./landing-queries.ts";
import { mergeHistory } from "./merge-history.ts";

/** Where a change entered the graph: the PR's base branch, or the branch floodgate first saw it on. */
export interface ChainBase {
  node: string;
  /** When it got there (the PR's merge, or floodgate's first sight); null when not known. */
  at: string | null;
}

/** One step of the chain a change flows through: a branch (answered by GitHub) or a channel. */
export type NodeLanding =
  | {
      node: string;
      kind: "branch";
      status: "landed";
      /** When it got there, where floodgate knows; null: GitHub says it is there, not since when. */
      at: string | null;
      note?: string;
    }
  | {
      node: string;
      kind: "branch";
      status: "pending";
      /** Commits the branch lacks up to and including this one. */
      behindBy: number;
      eta: Eta;
    }
  | { node: string; kind: "branch"; status: "no-branch" }
  /** GitHub could not be asked (the answer's `partial` says why) and the records do not tell. */
  | { node: string; kind: "branch"; status: "unknown"; reason: string }
  | ({ node: string; kind: "channel" } & ChannelLanding);

// Filled in by `branchEta` once the nodes upstream are answered.
const BRANCH_ETA: Eta = { kind: "unknown", reason: "no branch upstream of it in the chain" };

async function branchLanding(
  ctx: LandingContext,
  node: string,
  sha: string,
  firstSeen: FirstSeen | null,
): Promise<NodeLanding> {
  const landed = (at: string | null): NodeLanding =>
    at === null
      ? {
          node,
          kind: "branch",
          status: "landed",
          at,
          note: "GitHub says the branch has it; floodgate does not follow this branch, so not since when",
        }
      : { node, kind: "branch", status: "landed", at };
  const since = firstSeen?.branch === node ? firstSeen.at : null;
  try {
    // A branch the tick follows has a recorded head: often enough, and it costs no head read.
    const recorded = await latestBranchHead(ctx.db, node);
    if (recorded && (await ctx.contains(sha, recorded.sha)).contained) return landed(since);
    const live = await ctx.git.branchHead(node);
    if (!live) return { node, kind: "branch", status: "no-branch" };
    const inLive = await ctx.contains(sha, live.sha);
    if (inLive.contained) return landed(since);
    return { node, kind: "branch", status: "pending", behindBy: inLive.behindBy, eta: BRANCH_ETA };
  } catch (err) {
    const reason = ctx.shortfalls.note(err);
    // Floodgate saw it on this branch itself: there it is, whatever GitHub says now.
    if (since !== null) return { node, kind: "branch", status: "landed", at: since };
    return { node, kind: "branch", status: "unknown", reason };
  }
}

/**
 * Every node downstream of `bases`, in flow order, after the bases themselves: channels answered
 * from their recorded releases and cadence, branches through the lookups' GitHub host (compare,
 * cached). Without a base in the graph, every configured channel, as before the graph.
 */
export async function chainLandings(
  ctx: LandingContext,
  graph: BranchGraph,
  channels: readonly ChannelSpec[],
  commit: LandingCommit,
  bases: readonly ChainBase[],
): Promise<{ chain: NodeLanding[]; channels: ChannelLanding[] }> {
  const { sha } = commit;
  const specs = new Map(channels.map((c) => [c.name, c]));
  const known = bases.filter((b) => graphHas(graph, b.node) || specs.has(b.node));
  const nodes =
    known.length > 0
      ? [
          ...new Set([
            ...known.map((b) => b.node),
            ...downstreamOfAll(
              graph,
              known.map((b) => b.node),
            ),
          ]),
        ]
      : flowOrder(graph, [...specs.keys()]);
  const chain: NodeLanding[] = [];
  const channelAnswers: ChannelLanding[] = [];
  // One after another: answers share compares through `ctx.contains`, and PGlite has one connection.
  for (const node of nodes) {
    const spec = specs.get(node);
    const base = known.find((b) => b.node === node);
    if (spec) {
      const landing = await channelLanding(ctx, spec, commit);
      if (landing.status === "not-on-branch") {
        landing.eta = await afterSourceBranch(ctx, chain, spec.name, spec.sourceBranch);
      }
      channelAnswers.push(landing);
      chain.push({ node, kind: "channel", ...landing });
    } else if (base) {
      chain.push({ node, kind: "branch", status: "landed", at: base.at });
    } else {
      const landing = await branchLanding(ctx, node, sha, commit.firstSeen);
      if (landing.status === "pending") {
        landing.eta = await unlessUnavailable(ctx, () => branchEta(ctx, graph, chain, node));
      }
      chain.push(landing);
    }
  }
  return { chain, channels: channelAnswers };
}

const pendingEta = (n: NodeLanding | undefined): Eta | null =>
  n?.status === "pending" ? n.eta : n?.status === "not-on-branch" ? n.eta : null;

/** An ETA that needed GitHub when GitHub could not be asked: unknown, and the answer partial. */
async function unlessUnavailable(ctx: LandingContext, estimate: () => Promise<Eta>): Promise<Eta> {
  try {
    return await estimate();
  } catch (err) {
    return { kind: "unknown", reason: ctx.shortfalls.note(err) };
  }
}

/**
 * When a branch may get the change: the next merge into it from a branch upstream that has it, by
 * that edge's recorded merges; from one that does not have it yet, after that branch's own ETA.
 * The earliest over its upstream branches in the chain (staging has several).
 */
async function branchEta(
  ctx: LandingContext,
  graph: BranchGraph,
  chain: readonly NodeLanding[],
  node: string,
): Promise<Eta> {
  const upstream = chain.filter((n) => n.kind === "branch" && graph[n.node]?.includes(node));
  const etas: Eta[] = [];
  for (const up of upstream) {
    if (up.status === "no-branch" || up.status === "unknown") continue;
    const merges = await mergeHistory(ctx.git, up.node, node);
    const ahead = pendingEta(up);
    etas.push(
      ahead === null
        ? estimateMerge(up.node, merges, ctx.now)
        : chainedEta(up.node, ahead, (at) => estimateMerge(up.node, merges, at)),
    );
  }
  return earliestEta(etas) ?? BRANCH_ETA;
}

/** A channel whose branch lacks the change: that branch's ETA, then the channel's cadence. */
async function afterSourceBranch(
  ctx: LandingContext,
  chain: readonly NodeLanding[],
  channel: string,
  sourceBranch: string,
): Promise<Eta> {
  const branch = chain.find((n) => n.node === sourceBranch);
  const branchAhead = pendingEta(branch);
  if (branchAhead === null) {
    const reason = branch
      ? `waits for ${sourceBranch} to get it`
      : `${sourceBranch} is not downstream of where the change entered; it may never get it`;
    return { kind: "unknown", reason };
  }
  const times = await recentPublishTimes(ctx.db, channel, CADENCE_WINDOW);
  return chainedEta(sourceBranch, branchAhead, (at) => estimateLanding(times, at, false));
}

function graphHas(graph: BranchGraph, node: string): boolean {
  return node in graph || Object.values(graph).some((targets) => targets.includes(node));
}
