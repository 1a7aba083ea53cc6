import type { ConstituentFact } from "../domain/facts.ts";

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
    }
  | { kind: "constituents-pending"; evalId: number; pending: ConstituentFact[]; total: number }
  | { kind: "gate-failed"; evalId: number; buildId: number; url: string; releaseName: string }
  | { kind: "not-fast-forward"; branch: string; head: string; revision: string; relation: string }
  | { kind: "branch-missing"; branch: string }
  | { kind: "step-failed"; step: string; code: string; message: string }
  /** Only ever a note on an idle channel: a build in progress is not a block. */
  | {
      kind: "eval-building";
      project: string;
      jobset: string;
      scheduled: number;
      total: number | null;
    };

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
    }
  | { kind: "blocked"; reasons: BlockReason[] }
  | { kind: "idle"; reason: IdleReason; notes: BlockReason[] };
