import type { BlockReason, Decision } from "../domain/decision.ts";
import type { ChannelFacts, GateBuildFact } from "../domain/facts.ts";
import { compareVersions, releaseVersion } from "../domain/release-version.ts";

function failureReasons(gate: GateBuildFact): BlockReason[] {
  const failed = gate.constituents.filter((c) => c.state === "failed");
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
  return gate.passed
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
  if (facts.frozen)
    return { kind: "blocked", reasons: [{ kind: "frozen", reason: facts.frozen.reason }] };
  const failures = facts.newerFailure ? failureReasons(facts.newerFailure) : [];
  const { candidate, current } = facts;
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

  const candidateProblems = failureReasons(candidate);
  if (candidateProblems.length) return { kind: "blocked", reasons: candidateProblems };

  const { branch } = facts;
  if (!branch.head)
    return { kind: "blocked", reasons: [{ kind: "branch-missing", branch: branch.name }] };
  if (branch.candidateIs !== "ahead" && branch.candidateIs !== "identical") {
    return {
      kind: "blocked",
      reasons: [
        {
          kind: "not-fast-forward",
          branch: branch.name,
          head: branch.head,
          revision: candidate.revision,
          relation: branch.candidateIs ?? "unknown",
        },
      ],
    };
  }
  return {
    kind: "advance",
    release: {
      name: candidate.releaseName,
      revision: candidate.revision,
      evalId: candidate.evalId,
      buildId: candidate.buildId,
    },
  };

  function idle(reason: Extract<Decision, { kind: "idle" }>["reason"]): Decision {
    return { kind: "idle", reason, notes: progressNotes(facts) };
  }
}
