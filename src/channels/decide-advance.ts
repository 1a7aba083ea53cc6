import type { BlockReason, Decision, DecisionNote } from "../domain/decision.ts";
import type { Ancestry, ChannelFacts, GateBuildFact } from "../domain/facts.ts";
import { compareVersions, releaseVersion } from "../domain/release-version.ts";
import { acceptedFailures, acceptedFor, isAccepted } from "./accepted-constituents.ts";

export { isAccepted };

/** A gate with fewer constituents than this share of the previous gate's is not trusted. */
export const SUSPICIOUS_SHARE = 0.5;

function failureReasons(gate: GateBuildFact, accepted = new Set<string>()): BlockReason[] {
  const failed = gate.constituents.filter((c) => c.state === "failed" && !isAccepted(c, accepted));
  if (failed.length > 0) {
    const { evalId, buildId, url } = gate;
    const reason: BlockReason = { kind: "constituents-failed", evalId, buildId, url, failed };
    // Hydra passed the aggregate: only floodgate's every-constituent rule stops it.
    return [gate.passed ? { ...reason, policy: "all-constituents" } : reason];
  }
  const pending = gate.constituents.filter((c) => c.state === "pending");
  if (pending.length > 0) {
    const total = gate.constituents.length;
    return [{ kind: "constituents-pending", evalId: gate.evalId, pending, total }];
  }
  // An aggregate fails with its constituents: when every failure was accepted, so is its own.
  const allAccepted = gate.constituents.some((c) => c.state === "failed");
  if (!gate.passed && !allAccepted) {
    const { evalId, buildId, url, releaseName } = gate;
    return [{ kind: "gate-failed", evalId, buildId, url, releaseName }];
  }
  return [];
}

/** An empty gate, or one that lost most of its constituents, proves nothing (Hydra answered `[]`). */
function suspiciousGate(gate: GateBuildFact, previous: number | null): BlockReason[] {
  const n = gate.constituents.length;
  const shrunk = previous !== null && n < previous * SUSPICIOUS_SHARE;
  if (n > 0 && !shrunk) return [];
  const { evalId, buildId, url } = gate;
  return [{ kind: "suspicious-gate", evalId, buildId, url, constituents: n, previous }];
}

function sourceReasons(
  facts: ChannelFacts,
  gate: GateBuildFact,
  relation: Ancestry | null,
): BlockReason[] {
  if (relation === "behind" || relation === "identical") return [];
  return [
    {
      kind: "not-on-source-branch",
      sourceBranch: facts.source?.name ?? "the source branch",
      sourceHead: facts.source?.head ?? null,
      revision: gate.revision,
      relation: relation ?? "unknown",
    },
  ];
}

function branchReasons(
  facts: ChannelFacts,
  gate: GateBuildFact,
  relation: Ancestry | null,
): BlockReason[] {
  const { branch } = facts;
  if (!branch.head) return [{ kind: "branch-missing", branch: branch.name }];
  if (relation === "ahead" || relation === "identical") return [];
  return [
    {
      kind: "not-fast-forward",
      branch: branch.name,
      head: branch.head,
      revision: gate.revision,
      relation: relation ?? "unknown",
    },
  ];
}

/** An admin's freeze or pin: the channel stays where it is whatever Hydra says. */
function heldReasons(facts: ChannelFacts): BlockReason[] {
  const reasons: BlockReason[] = [];
  if (facts.frozen) reasons.push({ kind: "frozen", reason: facts.frozen.reason });
  if (facts.pinned) {
    const { releaseName, reason } = facts.pinned;
    reasons.push({ kind: "pinned", releaseName, reason, branch: facts.branch.name });
  }
  return reasons;
}

function progressNotes(facts: ChannelFacts): DecisionNote[] {
  const ev = facts.newestEval;
  if (!ev || ev.scheduled === 0) return [];
  const { project, jobset, scheduled, total } = ev;
  return [{ kind: "eval-building", project, jobset, scheduled, total }];
}

/**
 * The gate, as a pure function of recorded facts: advance only to a passed gate whose every
 * constituent passed (or was accepted by an admin), that is newer than the current release,
 * contained in the source branch and a fast-forward of the channel branch. Page-only failures
 * ride along as notes.
 */
export function decideAdvance(facts: ChannelFacts): Decision {
  const notes = facts.notes ?? [];
  const blocked = (reasons: BlockReason[]): Decision => ({ kind: "blocked", reasons, notes });
  const idle = (reason: Extract<Decision, { kind: "idle" }>["reason"]): Decision => ({
    kind: "idle",
    reason,
    notes: [...notes, ...progressNotes(facts)],
  });
  const held = heldReasons(facts);
  if (held.length) return blocked(held);
  const { newerFailure, current } = facts;
  const gateFailures = (gate: GateBuildFact) => failureReasons(gate, acceptedFor(facts, gate));
  // An admin's accept of a failed eval's named constituents makes that eval a candidate.
  const forced =
    newerFailure &&
    acceptedFailures(facts, newerFailure).length > 0 &&
    gateFailures(newerFailure).length === 0
      ? newerFailure
      : null;
  const failures = newerFailure && !forced ? gateFailures(newerFailure) : [];
  const candidate = forced ?? facts.candidate;
  if (!candidate) return failures.length ? blocked(failures) : idle({ kind: "no-candidate" });

  const order = current
    ? compareVersions(releaseVersion(candidate.releaseName), releaseVersion(current.releaseName))
    : 1;
  if (order <= 0) {
    if (failures.length) return blocked(failures);
    if (order === 0) return idle({ kind: "up-to-date", releaseName: candidate.releaseName });
    const currentName = current?.releaseName ?? "";
    return idle({
      kind: "older-candidate",
      candidate: candidate.releaseName,
      current: currentName,
    });
  }
  const sourceIs = (forced ? facts.source?.newerFailureIs : facts.source?.candidateIs) ?? null;
  const branchIs = (forced ? facts.branch.newerFailureIs : facts.branch.candidateIs) ?? null;
  for (const check of [
    () => gateFailures(candidate),
    () => suspiciousGate(candidate, facts.previousConstituents ?? null),
    () => sourceReasons(facts, candidate, sourceIs),
    () => branchReasons(facts, candidate, branchIs),
  ]) {
    const reasons = check();
    if (reasons.length) return blocked(reasons);
  }
  const { releaseName: name, revision, evalId, buildId } = candidate;
  const accepted = acceptedFailures(facts, candidate);
  return {
    kind: "advance",
    release: { name, revision, evalId, buildId },
    ...(accepted.length ? { accepted } : {}),
    notes,
  };
}
