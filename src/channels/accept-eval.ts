import { and, eq, inArray, sql } from "drizzle-orm";
import { buildsOfJob } from "../db/builds-of-job.ts";
import type { Db } from "../db/client.ts";
import { acceptedFailures, aggregateConstituents, hydraBuilds } from "../db/schema.ts";
import type { AcceptedFailures } from "../domain/facts.ts";
import { BadRequestError } from "../errors.ts";
import {
  type AdminActor,
  type AdminDeps,
  type AdminResult,
  applyAdminAction,
  channelSpecOf,
  type Tx,
} from "./admin-action.ts";

/**
 * The real updater's FORCE, narrowed: lets the gate pass this eval although the named constituents
 * failed. Any other failure, and any of these in another eval, still blocks. The eval must be one
 * the tick recorded for the channel's job, and each name one of its constituents.
 */
export function acceptEval(
  deps: AdminDeps,
  channel: string,
  input: { eval: number; constituents: string[]; reason: string },
  actor: AdminActor,
): Promise<AdminResult> {
  const spec = channelSpecOf(deps, channel);
  const entry = { channel, action: "accept" as const, reason: input.reason };
  const names = [...new Set(input.constituents)];
  return applyAdminAction(deps, entry, actor, async (tx, now) => {
    const known = await constituentNames(tx, spec.job, input.eval);
    if (known === null) {
      throw new BadRequestError(
        `eval ${input.eval} is not a recorded eval of ${spec.job.project}/${spec.job.jobset}/${spec.job.job}; floodgate records an eval when a tick sees its ${spec.job.job} build finish`,
        { channel, eval: input.eval },
      );
    }
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new BadRequestError(
        `not constituents of ${spec.job.job} in eval ${input.eval}: ${unknown.join(", ")}`,
        { channel, eval: input.eval, unknown },
      );
    }
    await tx.insert(acceptedFailures).values({
      channel,
      evalId: input.eval,
      constituents: names,
      reason: input.reason,
      actor: actor.label,
      at: now,
    });
    return { eval: input.eval, constituents: names };
  });
}

/** Every name a constituent answers to (`job`, `job.system`), or null when the eval's gate is unknown. */
async function constituentNames(
  tx: Tx,
  job: { project: string; jobset: string; job: string },
  evalId: number,
): Promise<Set<string> | null> {
  const gates = await tx
    .select({ id: hydraBuilds.id })
    .from(hydraBuilds)
    .where(
      and(buildsOfJob(job), sql`${hydraBuilds.evalIds} @> ${JSON.stringify([evalId])}::jsonb`),
    );
  if (gates.length === 0) return null;
  const members = await tx
    .select({ job: hydraBuilds.job, system: hydraBuilds.system })
    .from(aggregateConstituents)
    .innerJoin(hydraBuilds, eq(hydraBuilds.id, aggregateConstituents.constituentId))
    .where(
      inArray(
        aggregateConstituents.aggregateId,
        gates.map((g) => g.id),
      ),
    );
  return new Set(members.flatMap((m) => [m.job, `${m.job}.${m.system}`]));
}

/** The accepted failures of these evals for the gate: one entry per eval, names merged. */
export async function acceptedFailuresOf(
  db: Db,
  channel: string,
  evalIds: number[],
): Promise<AcceptedFailures[]> {
  if (evalIds.length === 0) return [];
  const rows = await db
    .select()
    .from(acceptedFailures)
    .where(and(eq(acceptedFailures.channel, channel), inArray(acceptedFailures.evalId, evalIds)));
  const byEval = new Map<number, Set<string>>();
  for (const row of rows) {
    const names = byEval.get(row.evalId) ?? new Set<string>();
    for (const name of row.constituents) names.add(name);
    byEval.set(row.evalId, names);
  }
  return [...byEval].map(([evalId, names]) => ({ evalId, constituents: [...names] }));
}
