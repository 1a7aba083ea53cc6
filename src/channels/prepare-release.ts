import { and, eq, inArray, ne } from "drizzle-orm";
import { commits, type Release, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { ReleasePlan } from "../domain/decision.ts";
import { MissingRowError } from "../errors.ts";

const UNFINISHED = ["pending", "files", "branch"] as const;

/**
 * The release row for a plan: resumed if a tick already started it, else created. An unfinished
 * release of an older plan is abandoned, since the gate now points past it.
 */
export async function prepareRelease(
  deps: Deps,
  channel: string,
  plan: ReleasePlan,
): Promise<Release> {
  const now = deps.clock.now();
  await deps.db
    .update(releases)
    .set({ state: "abandoned" })
    .where(
      and(
        eq(releases.channel, channel),
        ne(releases.name, plan.name),
        inArray(releases.state, [...UNFINISHED]),
      ),
    );
  const [existing] = await deps.db
    .select()
    .from(releases)
    .where(and(eq(releases.channel, channel), eq(releases.name, plan.name)));
  if (existing && existing.state !== "abandoned") return existing;

  const [known] = await deps.db.select().from(commits).where(eq(commits.sha, plan.revision));
  const committedAt = known?.committedAt ?? (await deps.git.commit(plan.revision)).committedAt;
  const values = {
    channel,
    name: plan.name,
    revision: plan.revision,
    revisionCommittedAt: committedAt,
    evalId: plan.evalId,
    buildId: plan.buildId,
    state: "pending" as const,
    createdAt: now,
    lastError: null,
    attempts: 0,
    nextAttemptAt: null,
    failedFrom: null,
  };
  const [row] = await deps.db
    .insert(releases)
    .values(values)
    .onConflictDoUpdate({ target: [releases.channel, releases.name], set: values })
    .returning();
  if (!row) throw new MissingRowError(`could not record release ${plan.name}`, { channel });
  return row;
}
