/**
 * Each query behind `/channels/{c}`, `/api/v1/channels/{c}` and `/api/v1/commits/{sha}` timed on
 * its own over a year of history: every statement the read runs is captured, then run again
 * `--runs` times (median ms); on PostgreSQL also EXPLAIN ANALYZE's execution time and scan nodes.
 * Run: npm run bench:detail-queries -- --pglite DIR (a copy: PGlite writes to it) | --postgres URL
 *   [--channel nixos-unstable] [--runs 5]
 * Nothing is written; on PostgreSQL no migration is run (year_base is shared, read-only).
 */
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { desc, eq } from "drizzle-orm";
import { drizzle as pgliteDrizzle } from "drizzle-orm/pglite";
import { drizzle as pgDrizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import defaultChannels from "../src/config/channels.default.json" with { type: "json" };
import { parseChannelsFile } from "../src/config/config.ts";
import type { Db } from "../src/db/client.ts";
import * as schema from "../src/db/schema.ts";
import { AppError } from "../src/errors.ts";
import type { LookupWrites } from "../src/git/lookup-writes.ts";
import { padChannels } from "../src/sim/year-history/seed-history.ts";
import { channelPageFacts } from "../src/status/channel-extras.ts";
import { type CommitReport, commitLanding } from "../src/status/landings/commit-landing.ts";
import { channelDetail } from "../src/status/read-model/channel-detail.ts";

const { values } = parseArgs({
  options: {
    pglite: { type: "string" },
    postgres: { type: "string" },
    channel: { type: "string", default: "nixos-unstable" },
    runs: { type: "string", default: "5" },
  },
});
const RUNS = Number(values.runs);
const specs = padChannels(parseChannelsFile(defaultChannels, "bundled"), 10);

interface Captured {
  query: string;
  params: unknown[];
}
const captured: Captured[] = [];
const logger = { logQuery: (query: string, params: unknown[]) => captured.push({ query, params }) };

interface Target {
  db: Db;
  run(query: string, params: unknown[]): Promise<unknown>;
  explain?(query: string, params: unknown[]): Promise<{ ms: number; scans: string[] }>;
  close(): Promise<void>;
}

async function open(): Promise<Target> {
  if (values.pglite) {
    const client = await PGlite.create(values.pglite, {
      startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"],
    });
    return {
      db: pgliteDrizzle(client, { schema, logger }),
      run: (q, p) => client.query(q, p),
      close: () => client.close(),
    };
  }
  const client = postgres(values.postgres ?? "", { max: 1, onnotice: () => {} });
  // safe because postgres.js takes the driver values drizzle logged
  const asValues = (p: unknown[]) => p as postgres.ParameterOrJSON<never>[];
  return {
    db: pgDrizzle(client, { schema, logger }),
    run: (q, p) => client.unsafe(q, asValues(p)),
    explain: async (q, p) => {
      const rows = await client.unsafe(`explain (analyze, format json) ${q}`, asValues(p));
      // safe because EXPLAIN (FORMAT JSON) answers one row whose "QUERY PLAN" is [{ Plan, … }]
      const plans = rows[0]?.["QUERY PLAN"] as
        | { Plan: PlanNode; "Execution Time": number }[]
        | undefined;
      const out = plans?.[0];
      return { ms: out?.["Execution Time"] ?? Number.NaN, scans: out ? scansOf(out.Plan) : [] };
    },
    close: () => client.end({ timeout: 5 }),
  };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode): string[] {
  const own = node["Relation Name"]
    ? [
        `${node["Node Type"]} ${node["Index Name"] ?? node["Relation Name"]} ×${node["Actual Loops"]} → ${node["Actual Rows"]}`,
      ]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const short = (q: string) => q.replace(/"/g, "").replace(/\s+/g, " ").slice(0, 150);

async function measure(target: Target, label: string, read: () => Promise<unknown>) {
  captured.length = 0;
  const started = performance.now();
  await read();
  const whole = performance.now() - started;
  const queries = [...captured];
  console.log(`\n${label}: ${queries.length} queries, first run ${whole.toFixed(1)} ms`);
  let total = 0;
  for (const { query, params } of queries) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await target.run(query, params);
      times.push(performance.now() - t);
    }
    total += median(times);
    const plan = target.explain ? await target.explain(query, params) : null;
    const analyzed = plan ? `  [exec ${plan.ms.toFixed(1)} ms; ${plan.scans.join("; ")}]` : "";
    console.log(`  ${median(times).toFixed(1).padStart(7)} ms  ${short(query)}${analyzed}`);
  }
  console.log(`  ${total.toFixed(1).padStart(7)} ms  sum of medians`);
}

const noWrites: LookupWrites = {
  pulls: () => {},
  commitPulls: () => {},
  landing: () => {},
  settled: async () => {},
};

/** A GitHub that says every commit is in every revision and knows no other commit. */
const git = {
  commit: () => Promise.reject(new AppError("GITHUB_NOT_FOUND", "no such commit")),
  compare: async () => ({ status: "ahead", behindBy: 0, aheadBy: 1, commits: [] }),
  branchHead: async () => null,
  pull: async () => null,
  pullsForCommit: async () => [],
};

if (!values.pglite && !values.postgres) {
  console.log("detail-queries: give --pglite DIR or --postgres URL (a year of history); skipped");
  process.exit(0);
}
const target = await open();
try {
  const urls = { publicUrl: "http://localhost", hydraUrl: "https://hydra.example" };
  const now = new Date();
  const name = values.channel ?? "nixos-unstable";
  const detail = await channelDetail(target.db, specs, name, now, urls);
  await measure(target, `channelDetail(${name})`, () =>
    channelDetail(target.db, specs, name, now, urls),
  );
  // lag is measured by bench/lag-pages.ts
  await measure(target, "channel page facts (pending constituents, release PRs)", () =>
    channelPageFacts(target.db, name, detail),
  );
  const [linked] = await target.db
    .select({ sha: schema.commitPulls.sha })
    .from(schema.commitPulls)
    .orderBy(desc(schema.commitPulls.sha))
    .limit(1);
  const [seen] = await target.db
    .select({ sha: schema.commits.sha })
    .from(schema.commits)
    .where(eq(schema.commits.sha, linked?.sha ?? ""));
  const sha = seen?.sha ?? "";
  const deps = {
    db: target.db,
    git: git as never, // safe: the lookups call only the five reads above
    lookupWrites: noWrites,
    channels: specs,
    clock: { now: () => now },
    publicUrl: urls.publicUrl,
    hydraUrl: urls.hydraUrl,
  };
  const lookup = async (input: string) => {
    try {
      return await commitLanding(deps, input);
    } catch (err) {
      return err;
    }
  };
  for (const [label, input] of [
    ["commit lookup, 7-hex prefix", sha.slice(0, 7)],
    ["commit lookup, full sha", sha],
    ["commit lookup, unknown sha", "0000000fffffffffffffffffffffffffffffffff"],
  ] as const) {
    await measure(target, label, async () => {
      const answer = (await lookup(input)) as CommitReport | Error;
      if (answer instanceof Error) console.log(`  (answer: ${answer.message})`);
    });
  }
} finally {
  await target.close();
}
