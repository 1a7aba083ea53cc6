import { and, count, desc, eq, lt } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { buildsOfJob } from "../db/builds-of-job.ts";
import type { Db } from "../db/client.ts";
import { aggregateConstituents, hydraBuilds } from "../db/schema.ts";

/**
 * How many constituents the job's newest recorded gate before `buildId` had (an empty answer
 * records no links, so it never lowers the bar); null when none is recorded.
 */
export async function previousConstituents(
  db: Db,
  job: ChannelSpec["job"],
  buildId: number,
): Promise<number | null> {
  const [row] = await db
    .select({ id: aggregateConstituents.aggregateId, n: count() })
    .from(aggregateConstituents)
    .innerJoin(hydraBuilds, eq(hydraBuilds.id, aggregateConstituents.aggregateId))
    .where(and(buildsOfJob(job), lt(aggregateConstituents.aggregateId, buildId)))
    .groupBy(aggregateConstituents.aggregateId)
    .orderBy(desc(aggregateConstituents.aggregateId))
    .limit(1);
  return row?.n ?? null;
}
