import { describe, expect, it } from "vitest";
import defaults from "../config/channels.default.json" with { type: "json" };
import { parseConfig } from "../config/config.ts";
import {
  downstream,
  downstreamOfAll,
  flowOrder,
  graphOfSourceBranches,
  upstream,
} from "./branch-graph.ts";

const graph = parseConfig({}, { raw: defaults, source: "bundled" }).branchGraph;

describe("the bundled branch graph", () => {
  it("follows a staging PR through staging-next and master to the three unstable channels", () => {
    expect(downstream(graph, "staging")).toEqual([
      "staging-next",
      "master",
      "nixpkgs-unstable",
      "nixos-unstable-small",
      "nixos-unstable",
    ]);
    expect(downstream(graph, "python-updates")).toEqual([
      "staging",
      ...downstream(graph, "staging"),
    ]);
    expect(downstream(graph, "master")).toEqual(downstream(graph, "staging").slice(2));
  });

  it("follows a backport to the release's channels, nixos-26.05 last", () => {
    expect(downstream(graph, "release-26.05")).toEqual([
      "nixos-26.05-small",
      "nixpkgs-26.05-darwin",
      "nixos-26.05",
    ]);
    expect(downstream(graph, "staging-26.05")).toEqual([
      "staging-next-26.05",
      "release-26.05",
      ...downstream(graph, "release-26.05"),
    ]);
    expect(downstream(graph, "nixos-unstable")).toEqual([]);
    expect(downstream(graph, "no-such-branch")).toEqual([]);
  });

  it("orders the union of several bases, a base below another included", () => {
    expect(downstreamOfAll(graph, ["master", "staging-next"])).toEqual(
      downstream(graph, "staging-next"),
    );
    // Unordered nodes keep the bases' order: the release's channels, then master's.
    expect(downstreamOfAll(graph, ["release-26.05", "master"])).toEqual([
      "nixos-26.05-small",
      "nixpkgs-26.05-darwin",
      "nixpkgs-unstable",
      "nixos-unstable-small",
      "nixos-26.05",
      "nixos-unstable",
    ]);
    expect(upstream(graph, "nixos-26.05")).toContain("staging-26.05");
  });

  it("puts a node after everything that flows into it, whatever order it is given in", () => {
    const diamond = { a: ["c", "b"], b: ["d"], c: ["d"], d: ["e"] };
    expect(flowOrder(diamond, ["e", "d", "c", "b", "a"])).toEqual(["a", "c", "b", "d", "e"]);
    expect(downstream(diamond, "a")).toEqual(["c", "b", "d", "e"]);
  });

  it("defaults to each channel following its source branch when the file has no graph", () => {
    const channels = [
      { name: "nixos-unstable", sourceBranch: "master" },
      { name: "nixos-26.05", sourceBranch: "release-26.05" },
      { name: "nixpkgs-unstable", sourceBranch: "master" },
    ];
    expect(graphOfSourceBranches(channels)).toEqual({
      master: ["nixos-unstable", "nixpkgs-unstable"],
      "release-26.05": ["nixos-26.05"],
    });
  });
});

describe("the channels file's graph is checked", () => {
  const withGraph = (g: unknown) => () =>
    parseConfig({}, { raw: { ...defaults, graph: g }, source: "test" });

  it("refuses a cycle, naming it", () => {
    expect(withGraph({ ...defaults.graph, master: ["staging"] })).toThrow(
      /key graph: changes cannot flow in a circle: staging → staging-next → master → staging/,
    );
  });

  it("refuses a graph that does not lead a channel from its source branch", () => {
    const { "release-26.05": _, ...rest } = defaults.graph;
    expect(withGraph(rest)).toThrow(
      /channel "nixos-26.05-small" follows "release-26.05", so the graph must lead from "release-26.05" to "nixos-26.05-small"/,
    );
  });

  it("refuses names that are no branch and empty lists", () => {
    expect(withGraph({ ...defaults.graph, "staging next": ["master"] })).toThrow(
      /key graph.staging next/,
    );
    expect(withGraph({ ...defaults.graph, staging: [] })).toThrow(/key graph.staging/);
  });
});
