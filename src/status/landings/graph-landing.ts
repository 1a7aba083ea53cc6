import type { ChannelSpec } from "../../config/channels-file.ts";
import { type BranchGraph, downstreamOfAll, flowOrder } from "../../domain/branch-graph.ts";
import { latestBranchHead } from "../../git/latest-branch-head.ts";
import type { Eta } from "./advance-cadence.ts";
import { type ChannelLanding, channelLanding, type LandingContext } from "./channel-landing.ts";

/** Where a change entered the graph: the PR's base branch, or the branch floodgate first saw it on. */
export interface ChainBase {
  node: string;
  /** When it got there (the PR's merge, or floodgate's first sight); null when not known. */
  at: string | null;
}

/** Where and when floodgate first saw the commit on a branch it follows. */
export interface FirstSeen {
  branch: string;
  at: string;
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
  | ({ node: string; kind: "channel" } & ChannelLanding);

// Branches such as staging-next and master move when a person merges; there is no rhythm to project.
const BRANCH_ETA: Eta = {
  kind: "unknown",
  reason: "branches are merged by hand, on no fixed cadence",
};

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
  // A branch the tick follows has a recorded head: often enough, and it costs no head read.
  const recorded = await latestBranchHead(ctx.db, node);
  if (recorded && (await ctx.contains(sha, recorded.sha)).contained) return landed(since);
  const live = await ctx.git.branchHead(node);
  if (!live) return { node, kind: "branch", status: "no-branch" };
  const inLive = await ctx.contains(sha, live.sha);
  if (inLive.contained) return landed(since);
  return { node, kind: "branch", status: "pending", behindBy: inLive.behindBy, eta: BRANCH_ETA };
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
  commit: { sha: string; firstSeen: FirstSeen | null },
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
      const landing = await channelLanding(ctx, spec, sha);
      channelAnswers.push(landing);
      chain.push({ node, kind: "channel", ...landing });
    } else if (base) {
      chain.push({ node, kind: "branch", status: "landed", at: base.at });
    } else {
      chain.push(await branchLanding(ctx, node, sha, commit.firstSeen));
    }
  }
  return { chain, channels: channelAnswers };
}

function graphHas(graph: BranchGraph, node: string): boolean {
  return node in graph || Object.values(graph).some((targets) => targets.includes(node));
}
