/** The shapes of the fake Hydra's state (hydra-model.ts); field meanings follow Hydra's tables. */

export interface ModelBuildProduct {
  type: string;
  subtype: string;
  name: string;
  path: string;
  sha256hash: string | null;
  filesize: number | null;
  defaultpath: string;
}

export interface ModelBuild {
  id: number;
  project: string;
  jobset: string;
  job: string;
  system: string;
  nixname: string;
  finished: boolean;
  /** Only meaningful when `finished`; a restarted build keeps its old value, as in Hydra. */
  buildstatus: number | null;
  timestamp: number;
  starttime: number | null;
  stoptime: number | null;
  evalIds: number[];
  /** Products Hydra will list once the build has produced output (see `hasOutput`). */
  products: Record<string, ModelBuildProduct>;
  /** Hydra registers products when a build first completes with output (status 0 or 6). */
  hasOutput: boolean;
  isAggregate: boolean;
  constituentIds: number[];
  priority: number;
  drvPath: string;
  outPath: string;
}

export interface ModelEvalInput {
  type: string;
  uri: string | null;
  revision: string | null;
  value: string | null;
  dependency: number | null;
}

export interface ModelEval {
  id: number;
  project: string;
  jobset: string;
  timestamp: number;
  checkouttime: number;
  evaltime: number;
  revision: string;
  inputs: Record<string, ModelEvalInput>;
  buildIds: number[];
  hasnewbuilds: boolean;
}

export interface ConstituentSpec {
  job: string;
  system: string;
  nixname?: string;
}

export interface CreateEvalInput {
  project: string;
  jobset: string;
  /** 40-hex nixpkgs revision of the eval. */
  revision: string;
  aggregateJob: string;
  /** The aggregate's nixname, e.g. "nixos-26.11pre100003.0123456789ab". */
  releaseName: string;
  constituents: ConstituentSpec[];
  /** Members of the eval outside the aggregate (a real nixpkgs eval has ~250k of them). */
  otherJobs?: ConstituentSpec[];
  aggregateSystem?: string;
  /** The constituent whose build carries `nixexprs.tar.xz` (e.g. "nixos.channel", "tarball"). */
  productJob?: string;
  nixexprs?: Uint8Array;
  /** File products by job (they replace the job's `nix-build` product), e.g. ISOs, options.json.br. */
  products?: Record<string, FileProductInput[]>;
  /** Extra or replacement jobset inputs (merged over the defaults). */
  inputs?: Record<string, ModelEvalInput>;
}

export interface FileProductInput {
  name: string;
  subtype: string;
  bytes: Uint8Array;
  /** Folder inside the build's output, e.g. "tarballs" or "iso". */
  dir?: string;
}

export interface CreatedEval {
  evalId: number;
  aggregateId: number;
  /** Build id of every job of the eval, the aggregate included. */
  buildIds: Record<string, number>;
}

export interface BuildFilters {
  project?: string;
  jobset?: string;
  job?: string;
  system?: string;
}

export interface JobsetOverviewRow {
  project: string;
  name: string;
  nrscheduled: number;
  nrsucceeded: number;
  nrfailed: number;
  nrtotal: number;
  lastcheckedtime: number | null;
}

export interface HydraModelOptions {
  now?: () => Date;
  firstEvalId?: number;
  firstBuildId?: number;
}
