import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type Release, releases } from "../../db/schema.ts";
import { channelDir } from "../../publish/release-paths.ts";
import type { ReleaseListQuery, ReleasePage, ReleaseSummary } from "./release-list-schema.ts";

const cursorOf = (r: Release) => `${r.createdAt.getTime()}-${r.id}`;

function summary(r: Release, publicUrl: string): ReleaseSummary {
  const kept = r.state === "published" && r.pruneStartedAt === null;
  return {
    name: r.name,
    revision: r.revision,
    revisionCommittedAt: r.revisionCommittedAt?.toISOString() ?? null,
    state: r.state,
    evalId: r.evalId,
    buildId: r.buildId,
    createdAt: r.createdAt.toISOString(),
    publishedAt: r.publishedAt?.toISOString() ?? null,
    prunedAt: r.prunedAt?.toISOString() ?? null,
    url: kept ? `${publicUrl}/releases/${channelDir(r.channel)}/${r.name}` : null,
    lastError: r.lastError
      ? { code: r.lastError.code, message: r.lastError.message, step: r.lastError.step }
      : null,
  };
}

/**
 * One page of a channel's releases, newest first by (created at, id): a keyset cursor, so pages
 * neither skip nor repeat releases while new ones arrive, and a deep page costs what the first does.
 */
export async function listReleasePage(
  db: Db,
  channel: string,
  query: ReleaseListQuery,
  publicUrl: string,
): Promise<ReleasePage> {
  const { before, limit } = query;
  const older = before
    ? or(
        lt(releases.createdAt, before.createdAt),
        and(eq(releases.createdAt, before.createdAt), lt(releases.id, before.id)),
      )
    : undefined;
  const rows = await db
    .select()
    .from(releases)
    .where(and(eq(releases.channel, channel), older))
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const more = rows.length > limit && last;
  const path = `/api/v1/channels/${encodeURIComponent(channel)}/releases`;
  return {
    channel,
    releases: page.map((r) => summary(r, publicUrl)),
    next: more
      ? `${path}?${new URLSearchParams({ limit: String(limit), before: cursorOf(last) })}`
      : null,
  };
}
