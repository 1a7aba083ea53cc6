import { eq } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { type Channel, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { ChannelFacts, CurrentRelease, GateBuildFact } from "../domain/facts.ts";
import { trackBranch } from "../git/track-branch.ts";
import { evalProgress, recordEvalProgress } from "../hydra/eval-progress.ts";
import { recordGate } from "../hydra/record-gate.ts";
import { acceptedFailuresOf } from "./accept-eval.ts";

async function currentRelease(deps: Deps, row: Channel): Promise<CurrentRelease | null> {
  if (row.currentReleaseId === null) return null;
  const [release] = await deps.db
    .select()
    .from(releases)
    .where(eq(releases.id, row.currentReleaseId));
  return release
    ? { releaseName: release.name, revision: release.revision, buildId: release.buildId }
    : null;
}

async function pinnedRelease(deps: Deps, row: Channel): Promise<ChannelFacts["pinned"]> {
  if (row.pinnedReleaseId === null) return null;
  const [release] = await deps.db
    .select({ name: releases.name })
    .from(releases)
    .where(eq(releases.id, row.pinnedReleaseId));
  return {
    releaseName: release?.name ?? `release #${row.pinnedReleaseId}`,
    reason: row.pinnedReason,
  };
}

/**
 * Reads what the gate decides on. Hydra: `latest-finished` (the releasable candidate) and the newest
 * finished gate build (to explain a failure); builds, evals and constituents only when new; the
 * jobset overview (is a newer eval building?) at most every 15 minutes per project.
 */
export async function gatherFacts(
  deps: Deps,
  spec: ChannelSpec,
  row: Channel,
): Promise<ChannelFacts> {
  const now = deps.clock.now();
  await trackBranch(deps, spec.sourceBranch, now);
  const head = await trackBranch(deps, spec.branch, now);

  const candidateId = await deps.hydra.latestFinished(spec.job);
  const candidate: GateBuildFact | null =
    candidateId === null
      ? null
      : await recordGate(deps, candidateId, { finished: true, buildstatus: 0 }, now);

  const [newest] = await deps.hydra.latestBuilds(spec.job, 1);
  const newerFailure =
    newest && newest.id > (candidateId ?? 0) && newest.buildstatus !== 0
      ? await recordGate(
          deps,
          newest.id,
          { finished: newest.finished, buildstatus: newest.buildstatus },
          now,
        )
      : null;

  const current = await currentRelease(deps, row);
  // A new candidate means Hydra finished something: a cached "still building" is likely stale.
  const moving = candidate !== null && candidate.buildId !== current?.buildId;
  const newestEval = await evalProgress(deps, spec.job, now, { fresh: moving });
  if (newestEval) await recordEvalProgress(deps.db, newestEval, now);

  const relationTo = async (gate: GateBuildFact | null) => {
    if (!head || !gate) return null;
    if (head.sha === gate.revision) return "identical" as const;
    return (await deps.git.compare(head.sha, gate.revision, { maxCommits: 0 })).status;
  };
  const candidateIs = await relationTo(candidate);

  const gateEvals = [candidate?.evalId, newerFailure?.evalId].flatMap((id) => (id ? [id] : []));
  const accepted = await acceptedFailuresOf(deps.db, spec.name, gateEvals);
  // An accepted failed eval may become the candidate: the gate needs its relation too.
  const newerFailureIs = accepted.some((a) => a.evalId === newerFailure?.evalId)
    ? await relationTo(newerFailure)
    : null;
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
  };
}
