import type { DownloadBudget } from "../download-limits.ts";
import type { HydraBuild, HydraEval, HydraJobsetOverview, HydraLatestBuild } from "./schemas.ts";

export interface JobRef {
  project: string;
  jobset: string;
  job: string;
}

/**
 * The Hydra endpoints floodgate uses, parsed. Implementations throw `UpstreamError` (typed, with
 * `retryable`) for transport failures, non-JSON bodies and bodies that do not match the schema.
 */
export interface HydraApi {
  /** Build id behind `/job/P/J/JOB/latest-finished` (302 Location), or null when Hydra answers 404. */
  latestFinished(job: JobRef): Promise<number | null>;
  /** Newest finished builds of the job, passed or failed (`/api/latestbuilds`), newest first. */
  latestBuilds(job: JobRef, nr: number): Promise<HydraLatestBuild[]>;
  build(id: number): Promise<HydraBuild>;
  constituents(aggregateId: number): Promise<HydraBuild[]>;
  evaluation(id: number): Promise<HydraEval>;
  /** Build id of `job` in eval `evalId` (`/eval/ID/job/JOB`, 302), or null on 404. */
  evalJobBuildId(evalId: number, job: string): Promise<number | null>;
  jobsets(project: string): Promise<HydraJobsetOverview[]>;
  /** Output paths of the eval's succeeded builds (`/eval/ID/store-paths`), as Hydra lists them. */
  storePaths(evalId: number): Promise<string[]>;
  /** Bytes of a build product (`/build/ID/download/N/NAME`), streamed, within `budget` when given. */
  download(
    buildId: number,
    productNr: string,
    name: string,
    budget?: DownloadBudget,
  ): Promise<ReadableStream<Uint8Array>>;
  buildUrl(id: number): string;
  evalUrl(id: number): string;
}
