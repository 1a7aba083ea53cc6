import { and, eq, inArray, ne } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Db } from "../db/client.ts";
import { commitPulls, pullRequests } from "../db/schema.ts";
import { errorMessage } from "../errors.ts";
import type { LookupHost } from "../git/budgeted-lookup-host.ts";
import { cachedPullsForCommit } from "../git/cached-pulls.ts";
import type { LookupWrites } from "../git/lookup-writes.ts";
import { DEFAULT_MEMORY, DEFAULT_WINDOW, judgeConstituent, stripOf } from "./judge-constituent.ts";
import { loadConstituentHistory } from "./load-history.ts";
import type {
  ConstituentExplanation,
  FirstBadRange,
  RangeCommit,
  UnblockReport,
} from "./unblock-types.ts";

export interface ExplainDeps {
  db: Db;
  /** GitHub reads within the lookups' own budget (never the tick's). */
  git: Pick<LookupHost, "compare" | "pull" | "pullsForCommit">;
  lookupWrites: LookupWrites;
  hydraUrl: string;
  /** https://github.com/{FLOODGATE_REPO} */
  repoUrl: string;
  now: Date;
}

export interface BlockedGate {
  evalId: number;
  buildId: number;
  failed: { job: string; system: string; buildId: number }[];
}

/** A first-bad range lists at most this many commits; GitHub's compare page has the rest. */
export const MAX_RANGE_COMMITS = 100;
/** PR lookups per range for commits with no recorded PR (each is one GitHub request). */
export const MAX_PULL_LOOKUPS = 10;

async function recordedPulls(db: Db, shas: string[]) {
  if (shas.length === 0) return [];
  return db
    .select({ sha: commitPulls.sha, pull: pullRequests })
    .from(commitPulls)
    .innerJoin(pullRequests, eq(pullRequests.number, commitPulls.number))
    .where(and(inArray(commitPulls.sha, shas), ne(commitPulls.number, 0)));
}

async function knownShas(db: Db, shas: string[]): Promise<Set<string>> {
  if (shas.length === 0) return new Set();
  const rows = await db
    .select({ sha: commitPulls.sha })
    .from(commitPulls)
    .where(inArray(commitPulls.sha, shas));
  return new Set(rows.map((r) => r.sha));
}

/**
 * The commits between the last good and the first bad eval's revisions (GitHub compare, through
 * the lookups' budget) and the PRs that carried them: recorded ones first, then at most
 * `MAX_PULL_LOOKUPS` asked. Anything GitHub refuses leaves a note and the compare link.
 */
export async function firstBadRange(
  deps: ExplainDeps,
  base: string,
  head: string,
): Promise<FirstBadRange> {
  const range: FirstBadRange = {
    base,
    head,
    compareUrl: `${deps.repoUrl}/compare/${base}...${head}`,
    commits: null,
    total: null,
    pullsUnknown: 0,
    note: null,
  };
  let listed: string[];
  try {
    const cmp = await deps.git.compare(base, head, { maxCommits: MAX_RANGE_COMMITS });
    listed = cmp.commits.map((c) => c.sha);
    range.total = cmp.aheadBy;
    if (cmp.aheadBy > listed.length)
      range.note = `first ${listed.length} of ${cmp.aheadBy} commits`;
  } catch (err) {
    range.note = `commits not listed: ${errorMessage(err)}`;
    return range;
  }
  const pulls = new Map<string, RangeCommit["pulls"]>();
  const add = (sha: string, p: { number: number; title: string; url: string }) => {
    const list = pulls.get(sha) ?? [];
    if (!list.some((x) => x.number === p.number)) list.push(p);
    pulls.set(sha, list);
  };
  for (const r of await recordedPulls(deps.db, listed)) add(r.sha, r.pull);
  const known = await knownShas(deps.db, listed);
  const unknown = listed.filter((sha) => !known.has(sha)).reverse();
  let asked = 0;
  for (const sha of unknown) {
    if (asked >= MAX_PULL_LOOKUPS) break;
    asked++;
    try {
      for (const p of await cachedPullsForCommit(deps, sha, deps.now)) add(sha, p);
      known.add(sha);
    } catch (err) {
      range.note = `PRs not all looked up: ${errorMessage(err)}`;
      break;
    }
  }
  range.pullsUnknown = listed.filter((sha) => !known.has(sha)).length;
  range.commits = listed.map((sha) => ({
    sha,
    url: `${deps.repoUrl}/commit/${sha}`,
    pulls: (pulls.get(sha) ?? []).sort((a, b) => a.number - b.number),
  }));
  return range;
}

/**
 * The unblock assistant: for each failing constituent of a blocked gate, its recent history, a
 * verdict (flaky or consistent) and, for a consistent failure, the first-bad range. floodgate
 * never restarts builds itself: each constituent links to its Hydra build, where a person can.
 */
export async function explainBlock(
  deps: ExplainDeps,
  spec: ChannelSpec,
  gate: BlockedGate,
  opts: { window?: number } = {},
): Promise<UnblockReport> {
  const window = opts.window ?? DEFAULT_WINDOW;
  const histories = await loadConstituentHistory(deps.db, spec.job, {
    gateBuildId: gate.buildId,
    jobs: gate.failed.map((f) => f.job),
    window: Math.max(window, DEFAULT_MEMORY),
  });
  const ranges = new Map<string, Promise<FirstBadRange>>();
  const constituents: ConstituentExplanation[] = [];
  for (const failed of gate.failed) {
    const history = histories.find((h) => h.job === failed.job)?.runs ?? [];
    const runs = history.slice(-window);
    const judged = judgeConstituent(history, window);
    const v = judged.verdict;
    let range: FirstBadRange | null = null;
    if (v.kind === "consistent" && v.lastGood?.revision && v.firstBad.revision) {
      const key = `${v.lastGood.revision}...${v.firstBad.revision}`;
      // Constituents broken by the same eval share one compare.
      const pending =
        ranges.get(key) ?? firstBadRange(deps, v.lastGood.revision, v.firstBad.revision);
      ranges.set(key, pending);
      range = await pending;
    }
    constituents.push({
      job: failed.job,
      system: failed.system,
      buildId: failed.buildId,
      url: `${deps.hydraUrl}/build/${failed.buildId}`,
      strip: stripOf(runs),
      runs,
      ...judged,
      range,
    });
  }
  return {
    channel: spec.name,
    evalId: gate.evalId,
    gateBuildId: gate.buildId,
    window,
    computedAt: deps.now.toISOString(),
    constituents,
  };
}
