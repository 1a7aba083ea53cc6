import { z } from "zod";
import { type BranchGraph, findCycle, upstream } from "../domain/branch-graph.ts";

const NodeName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'expected a branch or channel name, e.g. "staging-next"');

/**
 * The channels file's `graph`: for each branch or channel, the nodes its changes flow into next,
 * e.g. `"staging": ["staging-next"]`, `"master": ["nixpkgs-unstable", "nixos-unstable-small"]`.
 */
export const BranchGraphSection = z.record(NodeName, z.array(NodeName).min(1));

/** The graph must have no cycle, and must put every channel downstream of its source branch. */
export function checkBranchGraph(
  graph: BranchGraph,
  channels: readonly { name: string; sourceBranch: string }[],
  ctx: z.RefinementCtx,
): void {
  const cycle = findCycle(graph);
  if (cycle) {
    ctx.addIssue({
      code: "custom",
      path: ["graph"],
      message: `changes cannot flow in a circle: ${cycle.join(" → ")}`,
    });
    return;
  }
  for (const c of channels) {
    if (upstream(graph, c.name).includes(c.sourceBranch)) continue;
    ctx.addIssue({
      code: "custom",
      path: ["graph"],
      message: `channel "${c.name}" follows "${c.sourceBranch}", so the graph must lead from "${c.sourceBranch}" to "${c.name}"`,
    });
  }
}
