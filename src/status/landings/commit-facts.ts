import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { commits, type PullRequestRow } from "../../db/schema.ts";
import { NO_PULLS } from "../../git/lookup-writes.ts";
import { type KnownCommit, type PublishedRef, shaStartsWith } from "./landing-queries.ts";

/** What floodgate recorded about one commit: all a lookup of a landed commit needs. */
export interface CommitFacts {
  commit: KnownCommit;
  /** The PRs that carried it; null when GitHub was never asked (cached-pulls.ts). */
  pulls: PullRequestRow[] | null;
  /** Each channel's first published release recorded as bringing it (`landedReleases`). */
  landed: Map<string, PublishedRef>;
}

// As PostgreSQL's json renders them: timestamps are ISO strings.
interface PullJson {
  number: number;
  title: string;
  state: string;
  baseRef: string;
  mergeCommitSha: string | null;
  mergedAt: string | null;
  url: string;
  fetchedAt: string;
}
interface ReleaseJson {
  id: number;
  channel: string;
  name: string;
  revision: string;
  publishedAt: string | null;
}
interface FactsJson {
  sha: string;
  committedAt: string;
  firstSeenAt: string;
  firstSeenBranch: string;
  /** One entry per recorded link, null where it names no cached PR; null: no link at all. */
  pulls: (PullJson | null)[] | null;
  landed: ReleaseJson[] | null;
}

const dateOrNull = (at: string | null) => (at === null ? null : new Date(at));

// One commit's row (named `known`) with its PRs and landings, as json.
const FACTS_JSON = sql<FactsJson>`json_build_object(
        'sha', known.sha,
        'committedAt', known.committed_at,
        'firstSeenAt', known.first_seen_at,
        'firstSeenBranch', known.first_seen_branch,
        'pulls', (
          select json_agg(
            case when p.number is null then null else json_build_object(
              'number', p.number, 'title', p.title, 'state', p.state, 'baseRef', p.base_ref,
              'mergeCommitSha', p.merge_commit_sha, 'mergedAt', p.merged_at, 'url', p.url,
              'fetchedAt', p.fetched_at
            ) end
            order by cp.number)
          from commit_pulls cp
          left join pull_requests p on p.number = cp.number and cp.number <> ${NO_PULLS}
          where cp.sha = known.sha
        ),
        'landed', (
          select json_agg(
            json_build_object(
              'id', r.id, 'channel', r.channel, 'name', r.name, 'revision', r.revision,
              'publishedAt', r.published_at
            )
            order by r.published_at, r.id)
          from release_commits rc
          join releases r on r.id = rc.release_id
          where rc.sha = known.sha and r.state = 'published'
        )
      )`;

/**
 * Known commits whose sha starts with `prefix` (at most two, as `commitsByPrefix`), each with its
 * recorded PRs and landings: one query instead of three. On PGlite every query costs a round
 * through the WASM engine, so a cold lookup of a landed commit took ~2× longer as three queries
 * (A/B on the seeded year). The related rows come back as json, one row a commit.
 */
export async function commitFacts(db: Db, prefix: string): Promise<CommitFacts[]> {
  // Named in the json as known.<column>: drizzle renders a subquery's fields inside raw SQL
  // unqualified, which the correlated subqueries would read as their own tables' sha.
  const known = db.select().from(commits).where(shaStartsWith(prefix)).limit(2).as("known");
  const rows = await db.select({ facts: FACTS_JSON }).from(known);
  return rows.map(({ facts }) => factsOf(facts));
}

/**
 * `commitFacts` of several prefixes (or full shas) in one query: each prefix's byte range, at most
 * two commits a prefix, through `commits_sha_bytes`. The prefixes go as one array, so every batch
 * size is the same statement, prepared once per connection: on PGlite parsing and planning it
 * again cost more than running it for ten prefixes.
 */
export async function commitFactsOf(
  db: Db,
  prefixes: readonly string[],
): Promise<Map<string, CommitFacts[]>> {
  const found = new Map<string, CommitFacts[]>(prefixes.map((p) => [p, []]));
  if (prefixes.length === 0) return found;
  const rows = await db
    .select({ prefix: sql<string>`wanted.lo`, facts: FACTS_JSON })
    .from(
      sql`unnest(${sql.param([...found.keys()])}::text[]) as wanted(lo) cross join lateral (
        select * from commits
        where sha collate "C" >= wanted.lo and sha collate "C" < wanted.lo || 'g'
        limit 2
      ) as known`,
    )
    .prepare("commit_facts_of")
    .execute();
  for (const { prefix, facts } of rows) found.get(prefix)?.push(factsOf(facts));
  return found;
}

interface Waiting {
  prefix: string;
  resolve(facts: CommitFacts[]): void;
  reject(err: unknown): void;
}

/**
 * `commitFacts` through one query in flight at a time: lookups that arrive while it runs wait and
 * go together in the next (up to `maxBatch`). Alone, a lookup is asked at once; 50 cold lookups at
 * once cost a few queries, not 50 rounds through PGlite's one connection, one after another.
 */
export function batchedCommitFacts(
  db: Db,
  maxBatch = 100,
): (prefix: string) => Promise<CommitFacts[]> {
  const waiting: Waiting[] = [];
  let asking = false;
  const pump = async (): Promise<void> => {
    if (asking || waiting.length === 0) return;
    asking = true;
    const batch = waiting.splice(0, maxBatch);
    try {
      const found = await commitFactsOf(db, [...new Set(batch.map((w) => w.prefix))]);
      for (const w of batch) w.resolve(found.get(w.prefix) ?? []);
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      asking = false;
      void pump();
    }
  };
  return (prefix) =>
    new Promise<CommitFacts[]>((resolve, reject) => {
      waiting.push({ prefix, resolve, reject });
      void pump();
    });
}

function factsOf(json: FactsJson): CommitFacts {
  const landed = new Map<string, PublishedRef>();
  for (const r of json.landed ?? []) {
    if (!landed.has(r.channel))
      landed.set(r.channel, { ...r, publishedAt: dateOrNull(r.publishedAt) });
  }
  const pulls =
    json.pulls === null
      ? null
      : json.pulls.flatMap((p) =>
          p === null
            ? []
            : [{ ...p, mergedAt: dateOrNull(p.mergedAt), fetchedAt: new Date(p.fetchedAt) }],
        );
  return {
    commit: {
      sha: json.sha,
      committedAt: new Date(json.committedAt),
      firstSeenAt: new Date(json.firstSeenAt),
      firstSeenBranch: json.firstSeenBranch,
    },
    pulls,
    landed,
  };
}
