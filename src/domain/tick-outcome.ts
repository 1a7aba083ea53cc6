import type { Decision, DecisionNote } from "../domain/decision.ts";
import type { UnblockReport } from "../unblock/unblock-types.ts";

/**
 * What `runRelease` really did: published a new release, finished one an earlier tick started,
 * moved the pointer back up to a release published before (after a manual roll-back), found the
 * channel already serving it, or lost a compare-and-set to someone else.
 */
export type ReleaseRun =
  | { kind: "advanced"; release: string; previous: string | null }
  | { kind: "resumed"; release: string; previous: string | null; from: string }
  | { kind: "republished"; release: string; previous: string | null }
  | { kind: "already-current"; release: string }
  | { kind: "pointer-moved"; release: string; current: string | null }
  | { kind: "release-moved"; release: string; state: string }
  | { kind: "lease-lost"; release: string };

/** Why a tick did nothing because of someone else. */
export type BusyReason =
  | { kind: "lease-held"; owner: string | null; until: string | null }
  | { kind: "lease-lost"; owner: string | null }
  /** The process was asked to stop (SIGTERM) mid-tick; it let the lease go for the next start. */
  | { kind: "stopped" }
  | Extract<ReleaseRun, { kind: "pointer-moved" | "release-moved" }>;

/** What one tick of one channel did; stored on the channel, logged, and the source of its events. */
export type TickOutcome =
  | {
      channel: string;
      kind: "advanced";
      summary: string;
      release: string;
      run: Extract<
        ReleaseRun,
        { kind: "advanced" | "resumed" | "republished" | "already-current" }
      >;
      notes: DecisionNote[];
    }
  | {
      channel: string;
      kind: "blocked" | "idle";
      summary: string;
      decision: Decision;
      /** For failed constituents: flaky or consistent, and the first-bad range (src/unblock). */
      unblock?: UnblockReport;
    }
  | { channel: string; kind: "error"; summary: string; code: string }
  | { channel: string; kind: "busy"; summary: string; busy: BusyReason };
