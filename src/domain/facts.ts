import type { DecisionNote } from "./decision.ts";

/** How `head` relates to `base`, as GitHub's compare API reports it. */
export type Ancestry = "ahead" | "behind" | "identical" | "diverged";

export type ConstituentState = "passed" | "failed" | "pending";

export interface ConstituentFact {
  buildId: number;
  job: string;
  system: string;
  state: ConstituentState;
  /** Hydra's buildstatus, only meaningful when finished. */
  buildstatus: number | null;
  statusText: string;
  url: string;
}

export interface GateBuildFact {
  buildId: number;
  evalId: number;
  releaseName: string;
  revision: string;
  url: string;
  passed: boolean;
  constituents: ConstituentFact[];
}

/** Hydra's `/api/jobsets` counts over the builds of a jobset's newest eval. */
export interface EvalProgressFact {
  project: string;
  jobset: string;
  /** Builds of the newest eval not finished yet; > 0 means it is still building. */
  scheduled: number;
  succeeded: number | null;
  failed: number | null;
  total: number | null;
  lastCheckedAt: Date | null;
}

export interface CurrentRelease {
  releaseName: string;
  revision: string;
  buildId: number;
}

export interface AcceptedFailures {
  evalId: number;
  /** Constituent names as Hydra shows them: `job`, or `job.system` when the job has no system suffix. */
  constituents: string[];
}

/** Everything `decideAdvance` needs, gathered by the tick from the database and upstreams. */
export interface ChannelFacts {
  channel: string;
  frozen: { reason: string } | null;
  current: CurrentRelease | null;
  /** Hydra's `latest-finished` for the channel job: the newest passed gate in a finished eval. */
  candidate: GateBuildFact | null;
  /** The newest finished gate build when it is newer than the candidate and failed. */
  newerFailure: GateBuildFact | null;
  /** Progress of the job's jobset's newest eval (asked at most every 15 min per project). */
  newestEval?: EvalProgressFact | null;
  /** An admin's pin: the channel is held at this release (served) until unpinned. */
  pinned?: { releaseName: string; reason: string | null } | null;
  /**
   * Failed constituents an admin accepted (`accept`, the real updater's FORCE), by eval: only these
   * failures of only that eval are let through.
   */
  accepted?: AcceptedFailures[];
  /** The channel branch head and how the candidate's revision relates to it. */
  branch: {
    name: string;
    head: string | null;
    candidateIs: Ancestry | null;
    /** Asked only when an admin accepted failures of the newer failed gate's eval. */
    newerFailureIs?: Ancestry | null;
  };
  /**
   * The source branch (master, release-YY.MM) and how the candidate relates to it
   * (`compare source...candidate`): only `behind` or `identical` is contained. Asked only when the
   * candidate could advance; null otherwise.
   */
  source?: {
    name: string;
    head: string | null;
    candidateIs: Ancestry | null;
    /** Asked only when an admin accepted failures of the newer failed gate's eval. */
    newerFailureIs?: Ancestry | null;
  };
  /** Constituents the channel's previous recorded gate had: an empty or shrunken gate is suspicious. */
  previousConstituents?: number | null;
  /** Page-only work that failed while gathering; carried on the decision as notes. */
  notes?: DecisionNote[];
}
