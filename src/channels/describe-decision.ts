import type { BlockReason, Decision, DecisionNote } from "../domain/decision.ts";

const MAX_LISTED = 5;
const short = (sha: string | null) => (sha ? sha.slice(0, 12) : "unknown");

function listJobs(jobs: { job: string; statusText: string }[]): string {
  const shown = jobs.slice(0, MAX_LISTED).map((j) => `${j.job} ${j.statusText}`);
  const more = jobs.length > MAX_LISTED ? `, and ${jobs.length - MAX_LISTED} more` : "";
  return shown.join(", ") + more;
}

/** Said whenever the every-constituent rule, not Hydra, is what blocks a channel. */
export const ALL_CONSTITUENTS_POLICY =
  "floodgate's policy: every constituent must pass, though Hydra's aggregate passed";

function describeStepFailure(r: Extract<BlockReason, { kind: "step-failed" }>): string {
  const tries =
    r.attempts !== undefined && r.maxAttempts !== undefined
      ? ` (attempt ${r.attempts} of ${r.maxAttempts}${r.nextAttemptAt ? `, next after ${r.nextAttemptAt}` : ""})`
      : "";
  return `${r.step} failed: ${r.message}${tries}`;
}

export function describeReason(reason: BlockReason): string {
  switch (reason.kind) {
    case "frozen":
      return `frozen: ${reason.reason}`;
    case "pinned": {
      const why = reason.reason ? ` (${reason.reason})` : "";
      return `pinned to ${reason.releaseName}${why}; branch ${reason.branch} is not forced back and stays until unpinned`;
    }
    case "constituents-failed": {
      const policy = reason.policy ? ` (${ALL_CONSTITUENTS_POLICY})` : "";
      return listJobs(reason.failed) + policy;
    }
    case "constituents-pending":
      return `eval ${reason.evalId}: ${reason.pending.length} of ${reason.total} constituents pending`;
    case "gate-failed":
      return `Hydra job failed in eval ${reason.evalId} (${reason.url})`;
    case "suspicious-gate": {
      const before = reason.previous === null ? "" : `, the previous gate had ${reason.previous}`;
      return `suspicious gate: Hydra lists ${reason.constituents} constituents for ${reason.url}${before}`;
    }
    case "not-on-source-branch":
      return `${short(reason.revision)} is not on ${reason.sourceBranch} (at ${short(reason.sourceHead)}; ${reason.relation})`;
    case "not-fast-forward":
      return `branch ${reason.branch} is at ${short(reason.head)}, and ${short(reason.revision)} is not a fast-forward of it (${reason.relation})`;
    case "branch-missing":
      return `branch ${reason.branch} does not exist`;
    case "step-failed":
      return describeStepFailure(reason);
    case "release-failed":
      return `${reason.release}: ${reason.step} failed ${reason.attempts} times, stopped: ${reason.message} (an admin retry starts it again)`;
    case "eval-building":
      return describeNote(reason);
  }
}

export function describeNote(note: DecisionNote): string {
  if (note.kind === "page-work-failed") {
    return `not shown up to date: ${note.work} (${note.code}: ${note.message})`;
  }
  const of = note.total === null ? "" : ` of ${note.total}`;
  return `the newest eval of ${note.project}/${note.jobset} is still building (${note.scheduled}${of} builds scheduled)`;
}

/** One line a person reads: the CLI, the log, the page title and Slack all use it. */
export function describeDecision(channel: string, decision: Decision): string {
  switch (decision.kind) {
    case "advance":
      return `${channel} can advance to ${decision.release.name}`;
    case "blocked":
      return `${channel} blocked: ${decision.reasons.map(describeReason).join("; ")}`;
    case "idle": {
      const r = decision.reason;
      if (r.kind === "up-to-date") return `${channel} is up to date at ${r.releaseName}`;
      if (r.kind === "older-candidate") {
        return `${channel} stays at ${r.current}: Hydra's latest finished build ${r.candidate} is older`;
      }
      return `${channel} has no finished Hydra build yet`;
    }
  }
}
