import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import defaultChannels from "../../src/config/channels.default.json" with { type: "json" };
import { parseChannelsFile } from "../../src/config/config.ts";
import type { Db } from "../../src/db/client.ts";
import { runPostgresMigrations } from "../../src/db/migrate.node.ts";
import * as schema from "../../src/db/schema.ts";
import { cachedPullsForCommit } from "../../src/git/cached-pulls.ts";
import { queuedLookupWrites } from "../../src/git/lookup-writes.ts";
import { silentLogger } from "../../src/log.ts";
import { scaleHistory, YEAR } from "../../src/sim/year-history/history-shape.ts";
import { padChannels, seedHistory } from "../../src/sim/year-history/seed-history.ts";
import { channelPageFacts } from "../../src/status/channel-extras.ts";
import { loadLagWindow } from "../../src/status/lag/load-lag-history.ts";
import { refreshLagWindow } from "../../src/status/lag/refresh-lag-history.ts";
import { commitFacts, commitFactsOf } from "../../src/status/landings/commit-facts.ts";
import {
  buildingEvalSaw,
  commitsByPrefix,
  firstReleaseSeenAfter,
  landedRelease,
  landedReleases,
  publishedReleases,
  recentPublishTimes,
  runningGateEvals,
} from "../../src/status/landings/landing-queries.ts";
import { loadMetricsHistory } from "../../src/status/metrics/load-metrics-history.ts";
import { advanceHistory } from "../../src/status/read-model/advance-history.ts";
import {
  channelDetail,
  loadChannelHistory,
  loadJobStrip,
} from "../../src/status/read-model/channel-detail.ts";
import { loadChannelSnapshot } from "../../src/status/read-model/channel-snapshot.ts";

const baseUrl = process.env.FLOODGATE_TEST_DATABASE_URL;
// Tables that grow with history: a scan of one of them without an index condition is a bug.
const BIG_TABLES = new Set([
  "commits",
  "releases",
  "release_commits",
  "hydra_builds",
  "hydra_evals",
  "aggregate_constituents",
  "events",
  "branch_heads",
  "commit_pulls",
  "pull_requests",
]);
// At this small scale the planner would rightly scan; priced out, a full scan left has no index
// (merge and hash joins would walk whole indexes, so joins must find their rows by index too).
const PRICE_OUT_FULL_SCANS =
  "set local enable_seqscan = off; set local enable_mergejoin = off; set local enable_hashjoin = off";
const specs = padChannels(parseChannelsFile(defaultChannels, "bundled"), 10);
const end = new Date("2026-11-01T00:00:00Z");

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Plans?: PlanNode[];
}

/** Scans of big tables that read all of it: a Seq Scan, or an index walked with no condition. */
function fullScans(node: PlanNode): string[] {
  const table = node["Relation Name"];
  const own =
    table && BIG_TABLES.has(table) && !node["Index Cond"] && !node["Recheck Cond"]
      ? [`${node["Node Type"]} on ${table}`]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(fullScans)];
}

// PGlite is built with the C collation, which hides the sha-prefix problem this test is about.
describe.skipIf(!baseUrl)(
  "hot queries on a year-shaped history (PostgreSQL, C.UTF-8 collation)",
  () => {
    const name = `floodgate_plans_${randomBytes(4).toString("hex")}`;
    let admin: postgres.Sql;
    let client: postgres.Sql;
    let db: Db;
    const captured: { query: string; params: unknown[] }[] = [];

    beforeAll(async () => {
      admin = postgres(baseUrl ?? "", { max: 1, onnotice: () => {} });
      await admin.unsafe(
        `create database "${name}" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`,
      );
      const url = new URL(baseUrl ?? "");
      url.pathname = `/${name}`;
      await runPostgresMigrations(url.toString());
      client = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const plain = drizzle(client, { schema });
      // A small history: with sequential scans priced out, any left has no index to use.
      await seedHistory(plain, { channels: specs, shape: scaleHistory(YEAR, 0.05), end });
      db = drizzle(client, {
        schema,
        logger: { logQuery: (query, params) => captured.push({ query, params }) },
      });
    }, 300_000);

    afterAll(async () => {
      await client?.end({ timeout: 5 });
      await admin?.unsafe(`drop database if exists "${name}" with (force)`);
      await admin?.end({ timeout: 5 });
    });

    async function plansOf(run: () => Promise<unknown>): Promise<string[]> {
      captured.length = 0;
      await run();
      expect(captured.length).toBeGreaterThan(0);
      const found: string[] = [];
      for (const { query, params } of captured) {
        const plan = await client.begin(async (tx) => {
          await tx.unsafe(PRICE_OUT_FULL_SCANS);
          // safe because postgres.js takes the driver values drizzle logged
          const values = params as postgres.ParameterOrJSON<never>[];
          return tx.unsafe(`explain (format json) ${query}`, values);
        });
        const root = rootOf(plan);
        if (root) found.push(...fullScans(root).map((scan) => `${scan}: ${query}`));
      }
      return found;
    }

    const someCommit = async () => {
      const [row] = await db
        .select()
        .from(schema.commits)
        .where(eq(schema.commits.firstSeenBranch, "master"))
        .limit(1);
      return row?.sha ?? "";
    };

    it("is a database whose collation is not C: without commits_sha_bytes a prefix scans commits", async () => {
      const [row] =
        await client`select datcollate from pg_database where datname = current_database()`;
      expect(row?.datcollate).toBe("C.UTF-8");
      const rollBack = new Error("roll back the dropped index");
      let plain: postgres.RowList<postgres.Row[]> | undefined;
      await client
        .begin(async (tx) => {
          await tx.unsafe(PRICE_OUT_FULL_SCANS);
          await tx.unsafe("drop index commits_sha_bytes");
          plain = await tx.unsafe("explain (format json) select * from commits where sha like $1", [
            "abc1234%",
          ]);
          throw rollBack;
        })
        .catch((err: unknown) => {
          if (err !== rollBack) throw err;
        });
      const root = plain && rootOf(plain);
      expect(root && fullScans(root)).toEqual(["Seq Scan on commits"]);
    });

    it("looks commits up by a 7-hex prefix and by a full sha through an index", async () => {
      const sha = await someCommit();
      expect(await plansOf(() => commitsByPrefix(db, sha.slice(0, 7)))).toEqual([]);
      expect(await plansOf(() => commitsByPrefix(db, sha))).toEqual([]);
      expect((await commitsByPrefix(db, sha.slice(0, 7))).map((c) => c.sha)).toContain(sha);
    });

    it("answers a landing lookup's queries through indexes", async () => {
      const sha = await someCommit();
      const spec = specs[0];
      if (!spec) throw new Error("no channel");
      const deps = { db, git: unusedGit(), lookupWrites: queuedLookupWrites(db, silentLogger) };
      expect(
        await plansOf(async () => {
          await landedRelease(db, spec.name, sha);
          await publishedReleases(db, spec.name);
          await recentPublishTimes(db, spec.name, 10);
          await runningGateEvals(db, spec.job);
          await buildingEvalSaw(db, spec.job, sha);
          await cachedPullsForCommit(deps, sha, end);
          // A lookup while GitHub cannot be asked: ancestry from the recorded branch history.
          await firstReleaseSeenAfter(db, spec.name, spec.sourceBranch, end);
        }),
      ).toEqual([]);
    });

    it("builds the status and channel pages' read models through indexes", async () => {
      const urls = { publicUrl: "http://localhost", hydraUrl: "https://hydra.example" };
      expect(
        await plansOf(async () => {
          await loadChannelSnapshot(
            db,
            specs.map((s) => s.name),
          );
          await channelDetail(db, specs, "nixos-unstable", end, urls);
          await advanceHistory(db, "nixos-unstable");
        }),
      ).toEqual([]);
    });

    it("loads and refreshes a lag window, and reloads /metrics, through indexes", async () => {
      const spec = specs[0];
      if (!spec) throw new Error("no channel");
      const first = await loadLagWindow(db, spec, new Date(end.getTime() - 3_600_000), 90);
      const whole = await loadMetricsHistory(db, specs.slice(0, 2), end);
      expect(
        await plansOf(async () => {
          await loadLagWindow(db, spec, end, 90);
          await refreshLagWindow(db, spec, first, end, 90);
          // The whole histogram aggregates every landing once at start; reloads must not.
          await loadMetricsHistory(db, specs.slice(0, 2), end, whole);
        }),
      ).toEqual([]);
    });

    // The channel page's memoised parts and a commit lookup (detailq): kept apart from the lag
    // queries' block so the two lists grow without touching each other.
    it("loads the channel page's parts and answers commit lookups through indexes", async () => {
      const spec = specs[0];
      if (!spec) throw new Error("no channel");
      const history = await loadChannelHistory(db, spec);
      const sha = await someCommit();
      const [commit] = await commitsByPrefix(db, sha);
      const since = new Date((commit?.committedAt ?? end).getTime() - 86_400_000);
      expect(
        await plansOf(async () => {
          await loadChannelHistory(db, spec);
          await loadJobStrip(db, spec, end, "https://hydra.example");
          await channelPageFacts(db, spec.name, history);
          await publishedReleases(db, spec.name, { since });
          await landedReleases(db, sha);
          await commitsByPrefix(db, "0000000");
          await commitsByPrefix(db, "0000000fffffffffffffffffffffffffffffffff");
          // A lookup's one query for what floodgate recorded (its PRs and landings too).
          await commitFacts(db, sha.slice(0, 7));
          await commitFacts(db, sha);
          await commitFactsOf(db, [sha.slice(0, 7), sha, "0000000"]);
        }),
      ).toEqual([]);
      expect(history.releases.length).toBeGreaterThan(0);
    });
  },
);

function rootOf(rows: postgres.RowList<postgres.Row[]>): PlanNode | undefined {
  // safe because EXPLAIN (FORMAT JSON) answers one row whose "QUERY PLAN" is [{ Plan }]
  const explained = rows[0]?.["QUERY PLAN"] as { Plan: PlanNode }[] | undefined;
  return explained?.[0]?.Plan;
}

/** The queries under test never reach GitHub: the history links every master commit to its PR. */
function unusedGit() {
  const refuse = () => Promise.reject(new Error("this test does not call GitHub"));
  return { pull: refuse, pullsForCommit: refuse };
}
