import type { Ancestry, ConstituentFact } from "../domain/facts.ts";

export interface ReleasePlan {
  name: string;
  revision: string;
  evalId: number;
  buildId: number;
}

/** Why a channel does not move; each is shown on the page, logged and sent to Slack as is. */
export type BlockReason =
  | { kind: "frozen"; reason: string }
  /** Held by an admin at a published release; the branch stays where it is (never forced back). */
  | { kind: "pinned"; releaseName: string; reason: string | null; branch: string }
  | {
      kind: "constituents-failed";
      evalId: number;
      buildId: number;
      url: string;
      failed: ConstituentFact[];
      /**
       * Set when Hydra's aggregate passed: only floodgate's rule (every constituent must pass)
       * blocks the channel, not Hydra's verdict.
       */
      policy?: "all-constituents";
    }
  | { kind: "constituents-pending"; evalId: number; pending: ConstituentFact[]; total: number }
  | { kind: "gate-failed"; evalId: number; buildId: number; url: string; releaseName: string }
  /** The gate lists no constituents, or far fewer than the channel's previous gate did. */
  | {
      kind: "suspicious-gate";
      evalId: number;
      buildId: number;
      url: string;
      constituents: number;
      previous: number | null;
    }
  /** The candidate's revision is not contained in the channel's source branch (e.g. a PR eval). */
  | {
      kind: "not-on-source-branch";
      sourceBranch: string;
      sourceHead: string | null;
      revision: string;
      relation: Ancestry | "unknown";
    }
  | { kind: "not-fast-forward"; branch: string; head: string; revision: string; relation: string }
  | { kind: "branch-missing"; branch: string }
  /** A release step failed; it is retried after `nextAttemptAt` (null: at the next tick). */
  | {
      kind: "step-failed";
      step: string;
      code: string;
      message: string;
      release?: string;
      attempts?: number;
      maxAttempts?: number;
      nextAttemptAt?: string | null;
    }
  /** A step failed `attempts` times and stopped; only an admin `retry` starts it again. */
  | {
      kind: "release-failed";
      release: string;
      step: string;
      code: string;
      message: string;
      attempts: number;
    }
  /** Only ever a note on an idle channel: a build in progress is not a block. */
  | {
      kind: "eval-building";
      project: string;
      jobset: string;
      scheduled: number;
      total: number | null;
    };

/** Work that only feeds the page and failed: shown with the decision, never blocking it. */
export type PageWork = "source-branch" | "newer-gate" | "eval-progress";

export type DecisionNote =
  | Extract<BlockReason, { kind: "eval-building" }>
  | { kind: "page-work-failed"; work: PageWork; code: string; message: string };

export type IdleReason =
  | { kind: "up-to-date"; releaseName: string }
  | { kind: "no-candidate" }
  | { kind: "older-candidate"; candidate: string; current: string };

export type Decision =
  | {
      kind: "advance";
      release: ReleasePlan;
      /** Failed constituents an admin accepted for this eval, which the gate let through. */
      accepted?: ConstituentFact[];
      notes: DecisionNote[];
    }
  | { kind: "blocked"; reasons: BlockReason[]; notes: DecisionNote[] }
  | { kind: "idle"; reason: IdleReason; notes: DecisionNote[] };
