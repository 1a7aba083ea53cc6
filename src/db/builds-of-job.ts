import { and, eq, type SQL } from "drizzle-orm";
import { hydraBuilds } from "./schema.ts";

/** The condition "a build of this Hydra job", matching the `hydra_builds_job` index (project, jobset, job, id). */
export function buildsOfJob(job: { project: string; jobset: string; job: string }): SQL {
  return and(
    eq(hydraBuilds.project, job.project),
    eq(hydraBuilds.jobset, job.jobset),
    eq(hydraBuilds.job, job.job),
  ) as SQL; // safe because and() of three defined conditions is never undefined
}
