import { and, eq, sql } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Db } from "../db/client.ts";
import { auditLog, releases } from "../db/schema.ts";
import { latestBranchHead } from "../git/latest-branch-head.ts";
import type { ReleaseReference } from "./retention.ts";

/**
 * What names a channel's releases besides its served and pinned pointers (see README "Retention"):
 * - the channel branch's newest recorded head: the release of that revision is what the branch,
 *   and so every `git` user of the channel, is at;
 * - an audit entry (a pin, an unpin: `details.release`/`wasPinnedTo`): the record of an
 *   operator's decision keeps its evidence, and these are few (each is a person's action).
 * Alerts are not references: every advance writes one naming the release and its predecessor,
 * and where nothing delivers them (a `tick` from cron, tests) they stay pending, so counting
 * them would stop retention altogether.
 */
export async function findReleaseReferences(
  db: Db,
  spec: Pick<ChannelSpec, "name" | "branch">,
): Promise<ReleaseReference[]> {
  const refs: ReleaseReference[] = [];
  const head = await latestBranchHead(db, spec.branch);
  if (head) {
    const atHead = await db
      .select({ name: releases.name })
      .from(releases)
      .where(and(eq(releases.channel, spec.name), eq(releases.revision, head.sha)));
    for (const r of atHead) {
      refs.push({ release: r.name, why: `branch ${spec.branch} points at its revision` });
    }
  }
  const audited = await db
    .select({
      id: auditLog.id,
      action: auditLog.action,
      release: sql<string | null>`${auditLog.details}->>'release'`,
      was: sql<string | null>`${auditLog.details}->>'wasPinnedTo'`,
    })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.channel, spec.name),
        sql`(${auditLog.details}->>'release' is not null or ${auditLog.details}->>'wasPinnedTo' is not null)`,
      ),
    );
  for (const e of audited) {
    for (const name of [e.release, e.was]) {
      if (name) refs.push({ release: name, why: `audit entry ${e.id} (${e.action}) names it` });
    }
  }
  return refs;
}
