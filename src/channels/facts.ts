import type { Ancestry } from "../git/git-host.ts";

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

export interface CurrentRelease {
  releaseName: string;
  revision: string;
  buildId: number;
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
  /** The channel branch head and how the candidate's revision relates to it. */
  branch: { name: string; head: string | null; candidateIs: Ancestry | null };
}
