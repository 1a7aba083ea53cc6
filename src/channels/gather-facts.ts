import { eq } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { type Channel, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { DecisionNote } from "../domain/decision.ts";
import type { Ancestry, ChannelFacts, CurrentRelease, GateBuildFact } from "../domain/facts.ts";
import { trackBranch } from "../git/track-branch.ts";
import { evalProgress, recordEvalProgress } from "../hydra/eval-progress.ts";
import { recordGate } from "../hydra/record-gate.ts";
import { acceptedFailuresOf } from "./accept-eval.ts";
import { pageWork } from "./page-work.ts";
import { previousConstituents } from "./previous-constituents.ts";

async function releaseById(deps: Deps, id: number | null) {
  if (id === null) return null;
  const [release] = await deps.db.select().from(releases).where(eq(releases.id, id));
  return release ?? null;
}

async function currentRelease(deps: Deps, row: Channel): Promise<CurrentRelease | null> {
  const release = await releaseById(deps, row.currentReleaseId);
  return release
    ? { releaseName: release.name, revision: release.revision, buildId: release.buildId }
    : null;
}

async function pinnedRelease(deps: Deps, row: Channel): Promise<ChannelFacts["pinned"]> {
  if (row.pinnedReleaseId === null) return null;
  const release = await releaseById(deps, row.pinnedReleaseId);
  return {
    releaseName: release?.name ?? `release #${row.pinnedReleaseId}`,
    reason: row.pinnedReason,
  };
}

/**
 * Reads what the gate decides on. Hydra: `latest-finished` (the releasable candidate) and the newest
 * finished gate build (to explain a failure); builds, evals and constituents only when new; the
 * jobset overview (is a newer eval building?) at most every 15 minutes per project. GitHub: the
 * channel branch and, for a gate that could advance, whether the source branch contains it.
 */
export async function gatherFacts(
  deps: Deps,
  spec: ChannelSpec,
  row: Channel,
): Promise<ChannelFacts> {
  const now = deps.clock.now();
  const notes: DecisionNote[] = [];
  const forPage = pageWork(deps, spec.name, notes);
  const sourceHead = await forPage("source-branch", () =>
    trackBranch(deps, spec.sourceBranch, now),
  );
  const head = await trackBranch(deps, spec.branch, now);
  const candidateId = await deps.hydra.latestFinished(spec.job);
  const candidate: GateBuildFact | null =
    candidateId === null
      ? null
      : await recordGate(deps, candidateId, { finished: true, buildstatus: 0 }, now);
  const newerFailure = await forPage("newer-gate", async () => {
    const [newest] = await deps.hydra.latestBuilds(spec.job, 1);
    if (!newest || newest.id <= (candidateId ?? 0) || newest.buildstatus === 0) return null;
    const state = { finished: newest.finished, buildstatus: newest.buildstatus };
    return recordGate(deps, newest.id, state, now);
  });
  const current = await currentRelease(deps, row);
  // A new candidate means Hydra finished something: a cached "still building" is likely stale.
  const moving = candidate !== null && candidate.buildId !== current?.buildId;
  const newestEval = await forPage("eval-progress", async () => {
    const progress = await evalProgress(deps, spec.job, now, { fresh: moving });
    if (progress) await recordEvalProgress(deps.db, progress, now);
    return progress;
  });

  const relationTo = async (gate: GateBuildFact | null): Promise<Ancestry | null> => {
    if (!head || !gate) return null;
    if (head.sha === gate.revision) return "identical";
    return (await deps.git.compare(head.sha, gate.revision, { maxCommits: 0 })).status;
  };
  // `compare source...gate`: behind or identical means the source branch contains the gate.
  const sourceRelation = async (gate: GateBuildFact | null): Promise<Ancestry | null> =>
    gate
      ? (await deps.git.compare(spec.sourceBranch, gate.revision, { maxCommits: 0 })).status
      : null;
  const candidateIs = await relationTo(candidate);
  const gateEvals = [candidate?.evalId, newerFailure?.evalId].flatMap((id) => (id ? [id] : []));
  const accepted = await acceptedFailuresOf(deps.db, spec.name, gateEvals);
  // An accepted failed eval may become the candidate: the gate needs its relations too.
  const forcible = accepted.some((a) => a.evalId === newerFailure?.evalId) ? newerFailure : null;
  const newerFailureIs = await relationTo(forcible);

  let source: ChannelFacts["source"];
  let previous: number | null = null;
  // Only a gate that could advance is checked: an idle tick costs no extra request.
  if ((candidate && moving) || forcible) {
    source = {
      name: spec.sourceBranch,
      head: sourceHead?.sha ?? null,
      candidateIs: moving ? await sourceRelation(candidate) : null,
      newerFailureIs: await sourceRelation(forcible),
    };
    const gate = candidate ?? forcible;
    previous = gate ? await previousConstituents(deps.db, spec.job, gate.buildId) : null;
  }
  return {
    channel: spec.name,
    frozen: row.frozen ? { reason: row.frozenReason ?? "frozen by an admin" } : null,
    pinned: await pinnedRelease(deps, row),
    accepted,
    current,
    candidate,
    newerFailure,
    newestEval,
    branch: { name: spec.branch, head: head?.sha ?? null, candidateIs, newerFailureIs },
    source,
    previousConstituents: previous,
    notes,
  };
}
