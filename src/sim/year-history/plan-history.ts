import type { ChannelSpec } from "../../config/channels-file.ts";
import type {
  branchHeads,
  channels,
  commitPulls,
  commits,
  events,
  hydraBuilds,
  hydraEvals,
  hydraJobsets,
  NewRelease,
  pullRequests,
  releaseCommits,
} from "../../db/schema.ts";
import { advancedOutcome, blockedOutcome, releaseName } from "./history-outcomes.ts";
import { type HistoryShape, randomHex } from "./history-shape.ts";

const HOUR_MS = 3_600_000;
export const EVAL_ID_BASE = 1_900_000;
export const BUILD_ID_BASE = 300_000_000;
export const PR_NUMBER_BASE = 300_000;
/** nixpkgs master merges a PR every few commits; each commit is linked to the PR that brought it. */
const COMMITS_PER_PR = 3;

type Commit = typeof commits.$inferInsert & { committedAt: Date };

/** The evals whose constituents the seed expands in SQL: `constituents` builds each. */
export interface ConstituentEval {
  evalId: number;
  gateId: number;
  project: string;
  jobset: string;
  at: Date;
  /** The channel's newest eval, still building: a third of its constituents are unfinished. */
  running: boolean;
}

export interface HistoryPlan {
  commits: Commit[];
  branchHeads: (typeof branchHeads.$inferInsert)[];
  evals: (typeof hydraEvals.$inferInsert)[];
  gates: (typeof hydraBuilds.$inferInsert)[];
  constituentEvals: ConstituentEval[];
  releases: (NewRelease & { id: number })[];
  landings: (typeof releaseCommits.$inferInsert)[];
  events: (typeof events.$inferInsert)[];
  channels: (typeof channels.$inferInsert)[];
  jobsets: (typeof hydraJobsets.$inferInsert)[];
  pulls: (typeof pullRequests.$inferInsert)[];
  commitPulls: (typeof commitPulls.$inferInsert)[];
}

/** One channel's releases before ids: the commit each is at and when it was evaluated. */
interface Draft {
  spec: ChannelSpec;
  index: number;
  revisionIndex: number;
  evaluatedAt: Date;
  publishedAt: Date | null;
}

/**
 * A year of history ending at `end`, the same for the same `random` seed: commits on each source
 * branch, evenly spaced releases of every channel on ever newer commits (each with its eval and
 * gate build, and the commits it brought), a building eval per channel, heads, events and PRs.
 */
export function planHistory(
  specs: ChannelSpec[],
  shape: HistoryShape,
  end: Date,
  random: () => number,
): HistoryPlan {
  const start = new Date(end.getTime() - 365 * 24 * HOUR_MS);
  const branches = [...new Set(specs.map((s) => s.sourceBranch))];
  const byBranch = planCommits(branches, shape.commits, start, end, random);
  const drafts = specs.flatMap((spec) =>
    draftReleases(spec, byBranch.get(spec.sourceBranch) ?? [], shape, end, random),
  );
  // Hydra numbers evals and builds in time order, across jobsets.
  drafts.sort((a, b) => a.evaluatedAt.getTime() - b.evaluatedAt.getTime());
  const plan: HistoryPlan = {
    commits: [...byBranch.values()].flat(),
    branchHeads: sourceHeads(byBranch, start, end),
    evals: [],
    gates: [],
    constituentEvals: [],
    releases: [],
    landings: [],
    events: [],
    channels: [],
    jobsets: [],
    ...pullsOf(byBranch.get("master") ?? [], end),
  };
  const draftsOf = new Map<string, number>();
  for (const d of drafts) draftsOf.set(d.spec.name, (draftsOf.get(d.spec.name) ?? 0) + 1);
  const keepsConstituents = (d: Draft) =>
    d.index >= (draftsOf.get(d.spec.name) ?? 0) - shape.constituentEvalsPerChannel;
  const previous = new Map<string, Draft>();
  drafts.forEach((d, k) => {
    const list = byBranch.get(d.spec.sourceBranch) ?? [];
    const commit = list[d.revisionIndex];
    if (!commit) return;
    const { project, jobset, job } = d.spec.job;
    const evalId = EVAL_ID_BASE + k;
    const gateId = BUILD_ID_BASE + k * (shape.constituents + 1);
    const name = releaseName(d.spec, d.revisionIndex, commit.sha);
    const evaluatedAt = d.evaluatedAt;
    plan.evals.push({
      id: evalId,
      project,
      jobset,
      revision: commit.sha,
      evaluatedAt,
      hasNewBuilds: true,
      inputs: { nixpkgs: { type: "git", revision: commit.sha } },
      fetchedAt: evaluatedAt,
    });
    plan.gates.push({
      id: gateId,
      project,
      jobset,
      job,
      system: "x86_64-linux",
      nixname: name,
      finished: d.publishedAt !== null,
      buildstatus: d.publishedAt ? 0 : null,
      evalIds: [evalId],
      queuedAt: evaluatedAt,
      startedAt: evaluatedAt,
      stoppedAt: d.publishedAt,
      fetchedAt: d.publishedAt ?? end,
    });
    if (keepsConstituents(d)) {
      const running = d.publishedAt === null;
      plan.constituentEvals.push({ evalId, gateId, project, jobset, at: evaluatedAt, running });
    }
    if (!d.publishedAt) return;
    const id = plan.releases.length + 1;
    plan.releases.push({
      id,
      channel: d.spec.name,
      name,
      revision: commit.sha,
      revisionCommittedAt: commit.committedAt,
      evalId,
      buildId: gateId,
      state: "published",
      files: releaseFiles(commit.sha, random),
      createdAt: new Date(d.publishedAt.getTime() - HOUR_MS),
      publishedAt: d.publishedAt,
    });
    const before = previous.get(d.spec.name);
    const from = before ? before.revisionIndex + 1 : Math.max(0, d.revisionIndex - 50);
    for (const c of list.slice(from, d.revisionIndex + 1)) {
      plan.landings.push({ releaseId: id, sha: c.sha });
    }
    const branch = d.spec.branch ?? d.spec.name;
    plan.branchHeads.push({ branch, sha: commit.sha, observedAt: d.publishedAt });
    if (before?.publishedAt && d.index % shape.blockedEvery === shape.blockedEvery - 1) {
      const at = new Date((before.publishedAt.getTime() + d.publishedAt.getTime()) / 2);
      const data = blockedOutcome(d.spec.name, evalId, gateId, at);
      plan.events.push({ channel: d.spec.name, type: "channel.blocked", at, data });
      const outcome = advancedOutcome(d.spec.name, name, d.publishedAt);
      plan.events.push({
        channel: d.spec.name,
        type: "channel.unblocked",
        at: d.publishedAt,
        data: outcome,
      });
    }
    const outcome = advancedOutcome(d.spec.name, name, d.publishedAt);
    plan.events.push({
      channel: d.spec.name,
      type: "channel.advanced",
      at: d.publishedAt,
      data: outcome,
    });
    previous.set(d.spec.name, d);
  });
  for (const spec of specs) {
    const last = plan.releases.findLast((r) => r.channel === spec.name);
    plan.channels.push({
      name: spec.name,
      currentReleaseId: last?.id ?? null,
      lastTickAt: end,
      lastOutcome: last ? advancedOutcome(spec.name, last.name, end) : null,
    });
    const { project, jobset } = spec.job;
    const scheduled = Math.ceil(shape.constituents / 3);
    const checkedAt = new Date(end.getTime() - HOUR_MS);
    plan.jobsets.push({
      project,
      jobset,
      scheduled,
      total: shape.constituents,
      lastCheckedAt: checkedAt,
      fetchedAt: end,
    });
  }
  return plan;
}

/** Commits of each source branch, oldest first, spread over [start, end). */
function planCommits(
  branches: string[],
  total: number,
  start: Date,
  end: Date,
  random: () => number,
): Map<string, Commit[]> {
  const span = end.getTime() - start.getTime();
  const others = branches.filter((b) => b !== "master").length;
  const masterShare = branches.includes("master") ? (others > 0 ? 0.8 : 1) : 0;
  const byBranch = new Map<string, Commit[]>();
  for (const branch of branches) {
    const share = branch === "master" ? masterShare : (1 - masterShare) / others;
    const count = Math.max(1, Math.round(total * share));
    const step = span / count;
    const list: Commit[] = [];
    for (let i = 0; i < count; i++) {
      const committedAt = new Date(start.getTime() + i * step + random() * step * 0.9);
      const seenAfter = (5 + random() * 55) * 60_000;
      list.push({
        sha: randomHex(random),
        committedAt,
        firstSeenAt: new Date(Math.min(end.getTime(), committedAt.getTime() + seenAfter)),
        firstSeenBranch: branch,
      });
    }
    byBranch.set(branch, list);
  }
  return byBranch;
}

/**
 * `shape.releasesPerChannel` releases spread over the year on ever newer commits (the newest
 * commits stay unreleased: pending), then one eval still building.
 */
function draftReleases(
  spec: ChannelSpec,
  list: Commit[],
  shape: HistoryShape,
  end: Date,
  random: () => number,
): Draft[] {
  const n = Math.min(shape.releasesPerChannel, list.length - 2);
  const drafts: Draft[] = [];
  let last = -1;
  let lastPublished = 0;
  for (let j = 0; j < n; j++) {
    const target = Math.floor((list.length * (j + 1)) / (n + 2));
    const revisionIndex = Math.max(last + 1, target - Math.floor(random() * 5));
    const commit = list[revisionIndex];
    if (!commit) break;
    const evaluatedAt = new Date(commit.committedAt.getTime() + (1 + random() * 5) * HOUR_MS);
    const publishAfter = (4 + random() * 16) * HOUR_MS;
    const publishedAt = Math.max(lastPublished + 60_000, evaluatedAt.getTime() + publishAfter);
    drafts.push({ spec, index: j, revisionIndex, evaluatedAt, publishedAt: new Date(publishedAt) });
    last = revisionIndex;
    lastPublished = publishedAt;
  }
  const building = list.length - 2;
  if (building > last) {
    const evaluatedAt = new Date(end.getTime() - 2 * HOUR_MS);
    drafts.push({ spec, index: n, revisionIndex: building, evaluatedAt, publishedAt: null });
  }
  return drafts;
}

/** Master's head every hour, a release branch's every six. */
function sourceHeads(byBranch: Map<string, Commit[]>, start: Date, end: Date) {
  const heads: HistoryPlan["branchHeads"] = [];
  for (const [branch, list] of byBranch) {
    const every = (branch === "master" ? 1 : 6) * HOUR_MS;
    let i = 0;
    for (let at = start.getTime() + every; at <= end.getTime(); at += every) {
      while ((list[i + 1]?.committedAt.getTime() ?? Number.POSITIVE_INFINITY) <= at) i++;
      const head = list[i];
      if (head && head.committedAt.getTime() <= at) {
        heads.push({ branch, sha: head.sha, observedAt: new Date(at) });
      }
    }
  }
  return heads;
}

/** Every `COMMITS_PER_PR` master commits came through one merged PR. */
function pullsOf(master: Commit[], end: Date) {
  const pulls: HistoryPlan["pulls"] = [];
  const links: HistoryPlan["commitPulls"] = [];
  master.forEach((c, i) => {
    const number = PR_NUMBER_BASE + Math.floor(i / COMMITS_PER_PR);
    links.push({ sha: c.sha, number });
    if (i % COMMITS_PER_PR !== COMMITS_PER_PR - 1 && i !== master.length - 1) return;
    pulls.push({
      number,
      title: `pkg${number}: update`,
      state: "closed",
      baseRef: "master",
      mergeCommitSha: c.sha,
      mergedAt: c.committedAt,
      url: `https://github.com/NixOS/nixpkgs/pull/${number}`,
      fetchedAt: end,
    });
  });
  return { pulls, commitPulls: links };
}

function releaseFiles(revision: string, random: () => number) {
  const file = (name: string, size: number) => ({ name, size, sha256: randomHex(random, 8) });
  return [
    file("nixexprs.tar.xz", 40_000_000),
    file("git-revision", revision.length),
    file("binary-cache-url", 23),
    file("store-paths.xz", 9_000_000),
  ];
}
