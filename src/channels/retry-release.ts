import { and, desc, eq, gt, inArray, or } from "drizzle-orm";
import { releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";

export type RetryResult =
  | { kind: "retried"; release: string; resumesAt: string; attempts: number }
  | { kind: "nothing-to-retry"; channel: string };

/**
 * An admin's `retry`: the channel's newest release that stopped as `failed`, or is waiting out a
 * backoff, goes back to the state its failing step starts from, with its attempts cleared; the
 * next tick runs the step at once. Nothing else restarts a `failed` release.
 */
export async function retryRelease(deps: Pick<Deps, "db">, channel: string): Promise<RetryResult> {
  const [release] = await deps.db
    .select()
    .from(releases)
    .where(
      and(
        eq(releases.channel, channel),
        or(
          eq(releases.state, "failed"),
          and(inArray(releases.state, ["pending", "files", "branch"]), gt(releases.attempts, 0)),
        ),
      ),
    )
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(1);
  if (!release) return { kind: "nothing-to-retry", channel };
  const resumesAt = release.state === "failed" ? (release.failedFrom ?? "pending") : release.state;
  const [updated] = await deps.db
    .update(releases)
    .set({ state: resumesAt, failedFrom: null, attempts: 0, nextAttemptAt: null })
    .where(and(eq(releases.id, release.id), eq(releases.state, release.state)))
    .returning();
  if (!updated) return { kind: "nothing-to-retry", channel };
  return { kind: "retried", release: release.name, resumesAt, attempts: release.attempts };
}
