import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import defaults from "../../src/config/channels.default.json" with { type: "json" };
import { mergeBranch, mergePull, seedFlow } from "../../src/sim/branch-flow.ts";
import { simChannels } from "../../src/sim/sim-channels.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const HOUR = 3_600_000;
const T0 = new Date("2026-06-01T00:00:00Z").getTime();
const hours = (h: number) => new Date(T0 + h * HOUR).toISOString();
const CADENCED = new Set([
  "nixos-unstable",
  "nixos-unstable-small",
  "nixpkgs-unstable",
  "nixos-26.05-small",
]);
// Lookups read releases, not their files: only the tarball, so 24 releases publish in seconds.
const channels = simChannels.map((c) => ({
  ...c,
  programsIndex: false,
  products: [
    { job: c.productJob, subtype: "source-dist", suffix: ".tar.xz", file: "nixexprs.tar.xz" },
  ],
}));

interface Node {
  node: string;
  kind: "branch" | "channel";
  status: string;
  at?: string | null;
  release?: { name: string; publishedAt: string } | null;
  eta?: { kind: string; at?: string; reason?: string; mergeSource?: string };
  sourceBranch?: string;
}
interface Report {
  chain: Node[];
  channels: { channel: string; status: string }[];
  bases?: string[];
}

/**
 * A PR merged into staging, followed through staging-next, master and the three unstable
 * channels; a backport into release-26.05, followed to nixos-26.05-small and nixos-26.05. The
 * bundled graph, the simulator's branches and Hydra, floodgate's own ticks.
 */
describe("lookups follow a change through the whole branch graph", () => {
  let h: Harness;
  let nowMs = T0;
  beforeAll(async () => {
    h = await startHarness(
      {},
      {
        channels,
        channelsFile: { graph: defaults.graph },
        clock: { now: () => new Date(nowMs) },
      },
    );
    seedFlow(
      h.sim.github.model,
      simChannels.map((c) => c.name),
    );
    // Three releases of every channel, 6 hours apart: a cadence to estimate from. Each round also
    // ends a staging cycle as nixpkgs does: staging-next into master by pull request, then staging
    // into staging-next by a maintainer pushing a merge commit (no PR): the merge history branch
    // ETAs rest on, one edge from GitHub's PRs, the other from staging-next's commits.
    for (let k = 0; k < 3; k++) {
      at(k * 6);
      model().commit("staging", `mass rebuild round ${k}`);
      mergeBranch(model(), "staging-next", "master");
      mergeBranch(model(), "staging", "staging-next");
      model().commit("master", `work round ${k}`);
      model().commit("release-26.05", `backports round ${k}`);
      // nixos-26.05 and the darwin channel need only a release to be behind; the rest a cadence.
      for (const c of channels) if (k === 0 || CADENCED.has(c.name)) await release(c.name);
    }
  });
  afterAll(() => h.close());

  const model = () => h.sim.github.model;
  /** floodgate's clock and GitHub's (merge times) at `T0 + hoursFromT0`. */
  const at = (hoursFromT0: number) => {
    nowMs = T0 + hoursFromT0 * HOUR;
    model().setNow(new Date(nowMs));
  };
  async function release(name: string): Promise<string> {
    const ev = await h.sim.evaluate(h.channel(name));
    h.sim.hydra.model.finishEval(ev.evalId);
    const outcome = await tickChannel(h.deps, h.channel(name));
    expect(outcome).toMatchObject({ kind: "advanced", release: ev.releaseName });
    return ev.releaseName;
  }
  async function get(path: string): Promise<Report> {
    const res = await h.app.request(path);
    expect([path, res.status]).toEqual([path, 200]);
    await h.deps.lookupWrites.settled();
    return (await res.json()) as Report;
  }
  /** `node status` per step of the chain, in the order answered. */
  const steps = (r: Report) => r.chain.map((n) => `${n.node} ${n.status}`);
  const step = (r: Report, node: string) => r.chain.find((n) => n.node === node);

  it("a PR merged into staging: staging-next, master, then the unstable channels, with ETAs", async () => {
    at(13);
    const merge = mergePull(model(), {
      number: 5001,
      title: "curl: 8.14 -> 8.15",
      base: "staging",
    });

    const firstCost = h.sim.github.requests.length;
    const inStaging = await get("/api/v1/prs/5001");
    // The PR, its commit, staging-next's head, the compares against the heads and releases it is
    // checked against (one per distinct revision), and the merge history of the two edges it waits
    // on, for their ETAs: staging-next → master's PRs (1); staging → staging-next's PRs, none, so
    // staging-next's newest commits (2): 9 here.
    const spentFirst = h.sim.github.requests.length - firstCost;
    console.info(JSON.stringify({ firstLookupOfStagingPr: { githubRequests: spentFirst } }));
    expect(spentFirst).toBeLessThanOrEqual(9);
    const listed = h.sim.github.requests.slice(firstCost).map((r) => r.path);
    expect(listed.filter((p) => /\/commits\?/.test(p))).toEqual([
      expect.stringMatching(/sha=staging-next/),
    ]);
    expect(steps(inStaging)).toEqual([
      "staging landed",
      "staging-next pending",
      "master pending",
      "nixpkgs-unstable not-on-branch",
      "nixos-unstable-small not-on-branch",
      "nixos-unstable not-on-branch",
    ]);
    expect(step(inStaging, "staging")).toMatchObject({ kind: "branch", at: hours(13) });
    // staging was merged into staging-next at 0, 6 and 12 h, by pushed merge commits that have no
    // PR: the next merge ≈ 18 h, from those commits.
    expect(step(inStaging, "staging-next")?.eta).toEqual({
      kind: "merge-cadence",
      at: hours(18),
      from: "staging",
      medianIntervalSeconds: 6 * 3600,
      basedOnMerges: 3,
      mergeSource: "merge-commits",
      lastMergeAt: hours(12),
    });
    // master gets it at the staging-next merge after that one: 24 h.
    expect(step(inStaging, "master")?.eta).toMatchObject({
      kind: "chained",
      at: hours(24),
      after: "staging-next",
      afterAt: hours(18),
      cadenceOf: "merges",
      basedOn: 3,
      mergeSource: "pull-requests",
    });
    // Each channel: after master (24 h), its next slot (30 h), then one more for the eval: 36 h.
    for (const name of ["nixpkgs-unstable", "nixos-unstable-small", "nixos-unstable"]) {
      expect(step(inStaging, name)).toMatchObject({
        sourceBranch: "master",
        eta: { kind: "chained", at: hours(36), after: "master", afterAt: hours(24) },
      });
    }
    const stagedPage = await (await h.app.request("/prs/5001")).text();
    expect(stagedPage).toMatch(/after <code>master<\/code> gets it \(≈ 2026-06-02T00:00:00.000Z\)/);
    expect(stagedPage).toMatch(
      /<code>staging<\/code> is merged in every 6 hours? or so \(median of 3 merges seen as merge commits pushed/,
    );
    // The commit's own lookup finds the PR, so it starts from staging too.
    const byCommit = await get(`/api/v1/commits/${merge}`);
    expect(byCommit.bases).toEqual(["staging"]);
    expect(steps(byCommit)).toEqual(steps(inStaging));

    // A second lookup is answered from the caches: GitHub sees nothing.
    const before = h.sim.github.requests.length;
    expect(steps(await get("/api/v1/prs/5001"))).toEqual(steps(inStaging));
    expect(h.sim.github.requests.length - before).toBe(0);

    mergeBranch(model(), "staging", "staging-next");
    at(13.5);
    const inNext = await get("/api/v1/prs/5001");
    expect(steps(inNext).slice(0, 3)).toEqual([
      "staging landed",
      "staging-next landed",
      "master pending",
    ]);
    expect(step(inNext, "staging-next")).toMatchObject({ at: null, note: expect.any(String) });
    // staging-next has it: master's ETA is that edge's next merge, now from 13.5 h: 18 h.
    expect(step(inNext, "master")?.eta).toMatchObject({
      kind: "merge-cadence",
      at: hours(18),
      from: "staging-next",
    });

    // staging-next is merged into master; the tick sees master move at 14 h.
    at(14);
    mergeBranch(model(), "staging-next", "master");
    expect((await tickChannel(h.deps, h.channel("nixos-unstable-small"))).kind).toBe("idle");
    const onMaster = await get("/api/v1/prs/5001");
    expect(steps(onMaster)).toEqual([
      "staging landed",
      "staging-next landed",
      "master landed",
      "nixpkgs-unstable pending",
      "nixos-unstable-small pending",
      "nixos-unstable pending",
    ]);
    expect(step(onMaster, "master")).toMatchObject({ at: hours(14) });
    // Releases came every 6 h, the last at 12 h; no eval has it yet: one more interval after 18 h.
    for (const name of ["nixpkgs-unstable", "nixos-unstable-small", "nixos-unstable"]) {
      expect(step(onMaster, name)?.eta).toMatchObject({ kind: "estimate", at: hours(24) });
    }

    at(18);
    const small = await release("nixos-unstable-small");
    const nixpkgs = await release("nixpkgs-unstable");
    const inSmall = await get("/api/v1/prs/5001");
    expect(step(inSmall, "nixos-unstable-small")).toMatchObject({
      status: "landed",
      release: { name: small, publishedAt: hours(18) },
    });
    expect(step(inSmall, "nixpkgs-unstable")).toMatchObject({ release: { name: nixpkgs } });
    expect(step(inSmall, "nixos-unstable")).toMatchObject({
      status: "pending",
      eta: { kind: "estimate", at: hours(30) },
    });

    at(20);
    const unstable = await release("nixos-unstable");
    const everywhere = await get("/api/v1/prs/5001");
    expect(everywhere.chain.every((n) => n.status === "landed")).toBe(true);
    expect(step(everywhere, "nixos-unstable")).toMatchObject({
      release: { name: unstable, publishedAt: hours(20) },
    });
    expect(everywhere.channels.map((c) => c.channel)).toEqual([
      "nixpkgs-unstable",
      "nixos-unstable-small",
      "nixos-unstable",
    ]);

    // The page shows the whole chain, in order.
    const page = await (await h.app.request("/prs/5001")).text();
    const rows = [...page.matchAll(/data-node="([^"]+)" data-kind="(\w+)" data-status="(\w+)"/g)];
    expect(rows.map((r) => `${r[1]} ${r[2]} ${r[3]}`)).toEqual([
      "staging branch landed",
      "staging-next branch landed",
      "master branch landed",
      "nixpkgs-unstable channel landed",
      "nixos-unstable-small channel landed",
      "nixos-unstable channel landed",
    ]);
  });

  it("a backport into release-26.05 reaches nixos-26.05-small, then nixos-26.05", async () => {
    at(21);
    mergePull(model(), {
      number: 5002,
      title: "openssl: 3.5.1 -> 3.5.2 [26.05]",
      base: "release-26.05",
    });
    const merged = await get("/api/v1/prs/5002");
    expect(steps(merged)).toEqual([
      "release-26.05 landed",
      "nixos-26.05-small pending",
      "nixpkgs-26.05-darwin pending",
      "nixos-26.05 pending",
    ]);
    expect(step(merged, "nixos-26.05-small")?.eta).toMatchObject({
      kind: "estimate",
      at: hours(30),
    });

    at(24);
    const small = await release("nixos-26.05-small");
    const inSmall = await get("/api/v1/prs/5002");
    expect(steps(inSmall)).toEqual([
      "release-26.05 landed",
      "nixos-26.05-small landed",
      "nixpkgs-26.05-darwin pending",
      "nixos-26.05 pending",
    ]);
    expect(step(inSmall, "nixos-26.05-small")?.release?.name).toBe(small);

    at(26);
    const stable = await release("nixos-26.05");
    const inStable = await get("/api/v1/prs/5002");
    expect(step(inStable, "nixos-26.05")).toMatchObject({
      status: "landed",
      release: { name: stable, publishedAt: hours(26) },
    });
    expect(step(inStable, "nixpkgs-26.05-darwin")?.status).toBe("pending");
  });

  it("keeps pr-tracker's bookmarked URL: /pr-tracker.html?pr=N answers like /prs/N", async () => {
    const res = await h.app.request("/pr-tracker.html?pr=5001");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/prs/5001");
    for (const bad of ["/pr-tracker.html?pr=abc", "/pr-tracker.html", "/pr-tracker.html?pr=0"]) {
      const refused = await h.app.request(bad);
      expect([bad, refused.status]).toEqual([bad, 400]);
      expect(await refused.text()).toMatch(/pull request number|Which pull request/);
    }
  });
});
