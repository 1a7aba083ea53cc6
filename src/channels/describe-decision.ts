import type { BlockReason, Decision } from "../domain/decision.ts";

const MAX_LISTED = 5;

function listJobs(jobs: { job: string; statusText: string }[]): string {
  const shown = jobs.slice(0, MAX_LISTED).map((j) => `${j.job} ${j.statusText}`);
  const more = jobs.length > MAX_LISTED ? `, and ${jobs.length - MAX_LISTED} more` : "";
  return shown.join(", ") + more;
}

export function describeReason(reason: BlockReason): string {
  switch (reason.kind) {
    case "frozen":
      return `frozen: ${reason.reason}`;
    case "pinned": {
      const why = reason.reason ? ` (${reason.reason})` : "";
      return `pinned to ${reason.releaseName}${why}; branch ${reason.branch} is not forced back and stays until unpinned`;
    }
    case "constituents-failed":
      return listJobs(reason.failed);
    case "constituents-pending":
      return `eval ${reason.evalId}: ${reason.pending.length} of ${reason.total} constituents pending`;
    case "gate-failed":
      return `Hydra job failed in eval ${reason.evalId} (${reason.url})`;
    case "not-fast-forward":
      return `branch ${reason.branch} is at ${reason.head.slice(0, 12)}, and ${reason.revision.slice(0, 12)} is not a fast-forward of it (${reason.relation})`;
    case "branch-missing":
      return `branch ${reason.branch} does not exist`;
    case "step-failed":
      return `${reason.step} failed: ${reason.message}`;
    case "eval-building": {
      const of = reason.total === null ? "" : ` of ${reason.total}`;
      return `the newest eval of ${reason.project}/${reason.jobset} is still building (${reason.scheduled}${of} builds scheduled)`;
    }
  }
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
