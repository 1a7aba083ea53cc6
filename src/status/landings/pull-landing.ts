import { NotFoundError } from "../../errors.ts";
import { cachedPull } from "../../git/cached-pulls.ts";
import type { ChannelLanding } from "./channel-landing.ts";
import {
  badRequest,
  type CommitSummary,
  graphLandings,
  type LandingDeps,
  type PullSummary,
  partialOf,
  pullSummary,
  resolveWithFacts,
} from "./commit-landing.ts";
import type { NodeLanding } from "./graph-landing.ts";
import { type Shortfall, shortfalls } from "./partial-answer.ts";

export interface PullReport {
  pull: PullSummary;
  /** The merge commit, once merged; a PR lands when its merge commit does. */
  commit: CommitSummary | null;
  /** The PR's base branch, then every branch and channel downstream of it, in flow order. */
  chain: NodeLanding[];
  /** The chain's channels. */
  channels: ChannelLanding[];
  /** As in a commit's answer: GitHub could not be asked for part of it (commit-landing.ts). */
  partial?: Shortfall;
}

const PR_NUMBER = /^#?([1-9][0-9]{0,9})$/;
const MAX_PR = 2 ** 31 - 1;

/** `GET /api/v1/prs/{n}`: the PR, and for each channel whether its merge commit has landed. */
export async function pullLanding(deps: LandingDeps, input: string): Promise<PullReport> {
  const digits = PR_NUMBER.exec(input.trim())?.[1];
  const number = Number(digits);
  if (digits === undefined || number > MAX_PR) {
    throw badRequest(`"${input}" is not a pull request number`, { input });
  }
  const pull = await cachedPull(deps, number, deps.clock.now());
  if (!pull) throw new NotFoundError(`no pull request #${number}`, { number });
  if (!pull.mergeCommitSha || pull.mergedAt === null) {
    return { pull: pullSummary(pull), commit: null, chain: [], channels: [] };
  }
  const { summary: commit, facts } = await resolveWithFacts(deps, pull.mergeCommitSha);
  const base = { node: pull.baseRef, at: pull.mergedAt.toISOString() };
  const missing = shortfalls();
  const { chain, channels } = await graphLandings(deps, commit, [base], missing, facts);
  return { pull: pullSummary(pull), commit, chain, channels, ...partialOf(missing) };
}
