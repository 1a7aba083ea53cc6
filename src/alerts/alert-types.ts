import type { AlertKind } from "../db/schema.ts";

export type { AlertKind };

/** A constituent named in an alert, with the Hydra link people click. */
export interface FailingConstituent {
  job: string;
  system: string;
  buildId: number;
  url: string;
  statusText: string;
  /** The unblock assistant's verdict ("likely flaky: …", "failing since eval …"), when it had one. */
  verdict?: ConstituentVerdict;
}

export interface ConstituentVerdict {
  kind: string;
  text: string;
  /** GitHub's compare page of the first-bad range, for a consistent failure. */
  compareUrl?: string;
  /** PRs that carried the first-bad range's commits, as far as they are known. */
  pulls?: PullRequestNote[];
}

export interface PullRequestNote {
  number: number;
  title: string;
  url: string;
}

/** What an alert says, as data: Slack, the webhook, the page and the API all render from it. */
export type AlertData =
  | {
      kind: "advanced";
      release: string;
      previousRelease: string | null;
      revision: string | null;
      evalId: number | null;
      /** Commits the release brought into the channel, when recorded. */
      commitCount: number | null;
      notablePrs: PullRequestNote[];
      /** Age of the released revision (how far behind the channel is at release). */
      revisionAgeSeconds: number | null;
      /** Set when the channel had been blocked or failing before this advance. */
      blockedSince: string | null;
    }
  | {
      kind: "blocked";
      /** The reason kind that blocks (`constituents-failed`, `gate-failed`, `not-fast-forward`, …). */
      reason: string;
      evalId: number | null;
      evalUrl: string | null;
      gateUrl: string | null;
      failing: FailingConstituent[];
      /** What the gate says, for reasons without constituents. */
      detail: string;
    }
  | {
      kind: "stuck";
      release: string | null;
      updateAgeSeconds: number;
      thresholdSeconds: number;
    }
  | {
      kind: "pipeline-failed";
      step: string;
      code: string;
      message: string;
      ticks: number;
      since: string;
    }
  | { kind: "recovered"; from: "blocked" | "pipeline-failed"; since: string; subject: string }
  | {
      kind: "digest";
      evalId: number | null;
      blockedSince: string;
      failing: FailingConstituent[];
      /** Jobs failing now that the `blocked` message did not name. */
      failingSinceAlert: string[];
    }
  | {
      /** A subscriber's PR or commit reached a channel (subscriptions only). */
      kind: "landed";
      subject: { kind: "pr" | "commit"; id: string };
      release: string;
      /** Channels it has still to reach. */
      remaining: string[];
      url: string;
    }
  | {
      kind: "admin";
      action: string;
      reason: string | null;
      actor: string;
      details: Record<string, unknown>;
    };

/** An alert to put in the outbox. */
export interface NewAlert {
  channel: string;
  kind: AlertKind;
  /** channel:kind:subject; dedupe and cooldown compare it. */
  dedupeKey: string;
  summary: string;
  data: AlertData;
}
