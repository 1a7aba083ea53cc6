import { and, asc, eq, isNull } from "drizzle-orm";
import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/client.ts";
import { subscriptions } from "../../db/schema.ts";
import { errorMessage, RetryLaterError } from "../../errors.ts";
import type { LookupHost } from "../../git/budgeted-lookup-host.ts";
import { cachedPull } from "../../git/cached-pulls.ts";
import type { LookupWrites } from "../../git/lookup-writes.ts";
import type { Logger } from "../../log.ts";
import { landedRelease } from "../../status/landings/landing-queries.ts";
import { noteLanded } from "./record-notices.ts";

export interface RefreshDeps {
  db: Db;
  /** Lookups' own GitHub budget: following subscribed PRs never spends the tick's. */
  lookups: { git: LookupHost };
  lookupWrites: LookupWrites;
  clock: Clock;
  logger: Logger;
  channels: { name: string }[];
  publicUrl: string;
}

/** PRs followed per pass; an open PR is re-read from GitHub at most every 10 minutes (cachedPull). */
const PER_PASS = 50;

/**
 * Follows PRs that live subscriptions wait for: a PR merged after it was subscribed to is learned
 * here (through the lookups' budget), and channels its merge commit reached before that are told
 * at once, since the tick only notices the release that brings a change.
 */
export async function refreshSubscribedPulls(deps: RefreshDeps): Promise<number> {
  const now = deps.clock.now();
  const live = await deps.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.kind, "pr"), isNull(subscriptions.endedAt)))
    .orderBy(asc(subscriptions.id))
    .limit(PER_PASS);
  let told = 0;
  for (const sub of live) {
    let sha: string | null = null;
    try {
      const pull = await cachedPull(
        { db: deps.db, git: deps.lookups.git, lookupWrites: deps.lookupWrites },
        Number(sub.subject),
        now,
      );
      sha = pull?.mergedAt ? pull.mergeCommitSha : null;
    } catch (err) {
      if (err instanceof RetryLaterError) break;
      deps.logger.warn("subscribed PR not read", {
        step: "subscriptions",
        error: errorMessage(err),
      });
    }
    if (sha) told += await catchUp(deps, sub.id, sha, now);
  }
  return told;
}

async function catchUp(deps: RefreshDeps, id: number, sha: string, now: Date): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const [locked] = await tx
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, id))
      .for("update");
    let sub = locked?.endedAt ? null : (locked ?? null);
    let told = 0;
    for (const channel of sub?.channels ?? []) {
      if (!sub || sub.reached.includes(channel)) continue;
      const release = await landedRelease(tx, channel, sha);
      if (!release) continue;
      const at = { channel, release: release.name, publicUrl: deps.publicUrl, now };
      const next = await noteLanded(tx, sub, at);
      if (next) {
        sub = next;
        told++;
      }
    }
    return told;
  });
}
