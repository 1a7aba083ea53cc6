/** A constituent's result in one eval, from every result Hydra showed of its build. */
export type RunOutcome =
  /** Passed at its first recorded attempt. */
  | "passed"
  /** Failed, was restarted (Hydra keeps the build id) and then passed. */
  | "passed-on-restart"
  /** Every recorded attempt failed. */
  | "failed"
  /** Not finished (queued, building, or restarted and not done yet). */
  | "pending"
  /** Not a constituent of that eval, or nothing recorded of it. */
  | "absent";

export interface EvalPoint {
  evalId: number;
  /** The nixpkgs revision Hydra evaluated. */
  revision: string | null;
  evaluatedAt: string | null;
}

export interface ConstituentRun extends EvalPoint {
  buildId: number | null;
  outcome: RunOutcome;
  /** Failed attempts seen of the build (a restart that failed again counts twice). */
  failedAttempts: number;
}

/** One constituent over the last evals of its channel's jobset, oldest first. */
export interface ConstituentHistory {
  job: string;
  system: string;
  runs: ConstituentRun[];
}

export type Verdict =
  | {
      kind: "flaky";
      text: string;
      /** Evals of the window in which it failed, the current one included. */
      failures: number;
      restartsPassed: number;
    }
  | {
      kind: "consistent";
      text: string;
      firstBad: EvalPoint;
      /** The newest eval before `firstBad` where it passed; null when none is in the window. */
      lastGood: EvalPoint | null;
    }
  | { kind: "passing" | "pending" | "unknown"; text: string };

/** The commits that may have broken a consistent failure, and the PRs that carried them. */
export interface FirstBadRange {
  base: string;
  head: string;
  /** GitHub's compare page of base...head (always there: it costs floodgate nothing). */
  compareUrl: string;
  /** Oldest first; null when they could not be listed (lookups paused, GitHub down). */
  commits: RangeCommit[] | null;
  /** Commits GitHub counts in the range, when known; may exceed `commits.length`. */
  total: number | null;
  /** Commits whose PRs were neither recorded nor looked up (the lookup budget is bounded). */
  pullsUnknown: number;
  /** Why the list is missing or partial. */
  note: string | null;
}

export interface RangeCommit {
  sha: string;
  url: string;
  pulls: { number: number; title: string; url: string }[];
}

export interface ConstituentExplanation {
  job: string;
  system: string;
  buildId: number;
  /** Hydra's build page: floodgate never restarts builds itself, a person does it there. */
  url: string;
  /** `✔ ↻ ✖ ⧖ ·` per eval, oldest first (passed, passed on restart, failed, pending, absent). */
  strip: string;
  runs: ConstituentRun[];
  evals: number;
  failures: number;
  restartsPassed: number;
  /** Share of the window's results that were failures which did not stick (0 to 1). */
  flakiness: number;
  verdict: Verdict;
  range: FirstBadRange | null;
}

/** The unblock assistant's answer for a blocked channel. */
export interface UnblockReport {
  channel: string;
  evalId: number;
  gateBuildId: number;
  window: number;
  computedAt: string;
  constituents: ConstituentExplanation[];
}
