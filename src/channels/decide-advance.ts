import type { BlockReason, Decision } from "../domain/decision.ts";
import type { ChannelFacts, ConstituentFact, GateBuildFact } from "../domain/facts.ts";
import { compareVersions, releaseVersion } from "../domain/release-version.ts";

/** The constituent names an admin accepted for this gate's eval. */
function acceptedFor(facts: ChannelFacts, gate: GateBuildFact): Set<string> {
  const names = (facts.accepted ?? [])
    .filter((a) => a.evalId === gate.evalId)
    .flatMap((a) => a.constituents);
  return new Set(names);
}

export function isAccepted(c: ConstituentFact, accepted: Set<string>): boolean {
  return accepted.has(c.job) || accepted.has(`${c.job}.${c.system}`);
}

function acceptedFailures(facts: ChannelFacts, gate: GateBuildFact): ConstituentFact[] {
  const accepted = acceptedFor(facts, gate);
  return gate.constituents.filter((c) => c.state === "failed" && isAccepted(c, accepted));
}

function failureReasons(gate: GateBuildFact, accepted = new Set<string>()): BlockReason[] {
  const failed = gate.constituents.filter((c) => c.state === "failed" && !isAccepted(c, accepted));
  if (failed.length > 0) {
    return [
      {
        kind: "constituents-failed",
        evalId: gate.evalId,
        buildId: gate.buildId,
        url: gate.url,
        failed,
      },
    ];
  }
  const pending = gate.constituents.filter((c) => c.state === "pending");
  if (pending.length > 0) {
    return [
      {
        kind: "constituents-pending",
        evalId: gate.evalId,
        pending,
        total: gate.constituents.length,
      },
    ];
  }
  // An aggregate fails with its constituents: when every failure was accepted, so is its own.
  const allAccepted = gate.constituents.some((c) => c.state === "failed");
  return gate.passed || allAccepted
    ? []
    : [
        {
          kind: "gate-failed",
          evalId: gate.evalId,
          buildId: gate.buildId,
          url: gate.url,
          releaseName: gate.releaseName,
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

function progressNotes(facts: ChannelFacts): BlockReason[] {
  const ev = facts.newestEval;
  if (!ev || ev.scheduled === 0) return [];
  const { project, jobset, scheduled, total } = ev;
  return [{ kind: "eval-building", project, jobset, scheduled, total }];
}

/**
 * The gate, as a pure function of recorded facts: advance only to a passed gate whose every
 * constituent passed, that is newer than the current release and a fast-forward of the branch.
 */
export function decideAdvance(facts: ChannelFacts): Decision {
  const held = heldReasons(facts);
  if (held.length) return { kind: "blocked", reasons: held };
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
  if (!candidate)
    return failures.length
      ? { kind: "blocked", reasons: failures }
      : idle({ kind: "no-candidate" });

  const order = current
    ? compareVersions(releaseVersion(candidate.releaseName), releaseVersion(current.releaseName))
    : 1;
  if (order <= 0) {
    if (failures.length) return { kind: "blocked", reasons: failures };
    if (order === 0) return idle({ kind: "up-to-date", releaseName: candidate.releaseName });
    const currentName = current?.releaseName ?? "";
    return idle({
      kind: "older-candidate",
      candidate: candidate.releaseName,
      current: currentName,
    });
  }

  const candidateProblems = gateFailures(candidate);
  if (candidateProblems.length) return { kind: "blocked", reasons: candidateProblems };

  const { branch } = facts;
  if (!branch.head)
    return { kind: "blocked", reasons: [{ kind: "branch-missing", branch: branch.name }] };
  const relation = forced ? branch.newerFailureIs : branch.candidateIs;
  if (relation !== "ahead" && relation !== "identical") {
    return {
      kind: "blocked",
      reasons: [
        {
          kind: "not-fast-forward",
          branch: branch.name,
          head: branch.head,
          revision: candidate.revision,
          relation: relation ?? "unknown",
        },
      ],
    };
  }
  const accepted = acceptedFailures(facts, candidate);
  return {
    kind: "advance",
    release: {
      name: candidate.releaseName,
      revision: candidate.revision,
      evalId: candidate.evalId,
      buildId: candidate.buildId,
    },
    ...(accepted.length ? { accepted } : {}),
  };

  function idle(reason: Extract<Decision, { kind: "idle" }>["reason"]): Decision {
    return { kind: "idle", reason, notes: progressNotes(facts) };
  }
}
