/**
 * nixpkgs' flow of changes as a directed graph: each node (a branch such as `staging-next`, or a
 * channel such as `nixos-unstable`) lists the nodes its changes flow into next. Pure data.
 */
export type BranchGraph = Readonly<Record<string, readonly string[]>>;

const successors = (graph: BranchGraph, node: string): readonly string[] => graph[node] ?? [];

/** Every node named in the graph, as a source or a target, in the order first named. */
export function graphNodes(graph: BranchGraph): string[] {
  const seen = new Set<string>();
  for (const [from, targets] of Object.entries(graph)) {
    seen.add(from);
    for (const to of targets) seen.add(to);
  }
  return [...seen];
}

/** Nodes reachable from `roots` (roots excluded unless reachable from another), breadth first. */
function reachableFrom(graph: BranchGraph, roots: readonly string[]): string[] {
  const seen = new Set<string>(roots);
  const found: string[] = [];
  const queue = [...roots];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const to of successors(graph, next)) {
      if (seen.has(to)) continue;
      seen.add(to);
      found.push(to);
      queue.push(to);
    }
  }
  return found;
}

/**
 * `nodes` in flow order: a node comes after every one of `nodes` that flows into it; among nodes
 * with no order between them, the one found first breadth-first (the file's order) comes first.
 * Nodes on a cycle (refused by the config) keep their given order at the end.
 */
export function flowOrder(graph: BranchGraph, nodes: readonly string[]): string[] {
  const wanted = new Set(nodes);
  const rank = new Map(nodes.map((n, i) => [n, i]));
  const indegree = new Map(nodes.map((n) => [n, 0]));
  for (const from of wanted) {
    for (const to of successors(graph, from)) {
      if (wanted.has(to)) indegree.set(to, (indegree.get(to) ?? 0) + 1);
    }
  }
  const ordered: string[] = [];
  const ready = nodes.filter((n) => indegree.get(n) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
    const next = ready.shift();
    if (next === undefined) break;
    ordered.push(next);
    for (const to of successors(graph, next)) {
      if (!wanted.has(to)) continue;
      const left = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  const placed = new Set(ordered);
  return [...ordered, ...nodes.filter((n) => !placed.has(n))];
}

/**
 * Every node a change merged into `node` flows into, in flow order:
 * `downstream(g, "staging")` → staging-next, master, nixpkgs-unstable, nixos-unstable-small, nixos-unstable.
 */
export function downstream(graph: BranchGraph, node: string): string[] {
  return downstreamOfAll(graph, [node]);
}

/** The union of `downstream` of several nodes (a commit several PRs carried), in flow order. */
export function downstreamOfAll(graph: BranchGraph, roots: readonly string[]): string[] {
  const found = reachableFrom(graph, roots);
  // A root reachable from another root is downstream of it too.
  const rootsBelow = roots.filter((r) =>
    reachableFrom(
      graph,
      roots.filter((o) => o !== r),
    ).includes(r),
  );
  return flowOrder(graph, [...new Set([...rootsBelow, ...found])]);
}

/** Every node whose changes flow into `node`. */
export function upstream(graph: BranchGraph, node: string): string[] {
  return graphNodes(graph).filter(
    (from) => from !== node && reachableFrom(graph, [from]).includes(node),
  );
}

/** One cycle of the graph as a path that ends where it starts, or null when there is none. */
export function findCycle(graph: BranchGraph): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const to of successors(graph, node)) {
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graphNodes(graph)) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** Without a graph in the channels file: each channel follows its source branch, nothing more. */
export function graphOfSourceBranches(
  channels: readonly { name: string; sourceBranch: string }[],
): BranchGraph {
  const graph: Record<string, string[]> = {};
  for (const c of channels) {
    const targets = graph[c.sourceBranch] ?? [];
    graph[c.sourceBranch] = [...targets, c.name];
  }
  return graph;
}
