import { sql } from "drizzle-orm";
import { ChannelSpec } from "../../config/channels-file.ts";
import { bulkInsert } from "../../db/bulk-insert.ts";
import type { Db } from "../../db/client.ts";
import {
  branchHeads,
  channels,
  commitPulls,
  commits,
  events,
  hydraBuilds,
  hydraEvals,
  hydraJobsets,
  pullRequests,
  releaseCommits,
  releases,
} from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { type HistoryShape, seededRandom, YEAR } from "./history-shape.ts";
import { type ConstituentEval, type HistoryPlan, planHistory } from "./plan-history.ts";

export interface SeedHistoryOptions {
  /** The channels to give a history; padded with `synthetic-N` channels up to `channelCount`. */
  channels: ChannelSpec[];
  channelCount?: number;
  shape?: HistoryShape;
  seed?: number;
  /** The history's last moment; the same seed and end give the same rows. */
  end: Date;
}

export type SeedSummary = Record<keyof HistoryPlan | "constituents", number> & {
  channelNames: string[];
};

/**
 * Writes a synthetic history (see `planHistory`) into an empty database in one transaction, with
 * bulk inserts (constituent builds are expanded by the server), then ANALYZEs it for the planner.
 */
export async function seedHistory(db: Db, opts: SeedHistoryOptions): Promise<SeedSummary> {
  const shape = opts.shape ?? YEAR;
  const specs = padChannels(opts.channels, opts.channelCount ?? opts.channels.length);
  const used = [
    ...(await db.select({ id: releases.id }).from(releases).limit(1)),
    ...(await db.select({ sha: commits.sha }).from(commits).limit(1)),
  ];
  if (used.length > 0) {
    throw new AppError(
      "DATABASE_NOT_EMPTY",
      "the database already has releases or commits; seed a new one (another FLOODGATE_DATA_DIR or DATABASE_URL)",
    );
  }
  const plan = planHistory(specs, shape, opts.end, seededRandom(opts.seed ?? 1));
  await db.transaction(async (tx) => {
    await bulkInsert(tx, commits, plan.commits);
    await bulkInsert(tx, branchHeads, plan.branchHeads);
    await bulkInsert(tx, hydraEvals, plan.evals);
    await bulkInsert(tx, hydraBuilds, plan.gates);
    await insertConstituents(tx, plan.constituentEvals, shape.constituents);
    await bulkInsert(tx, releases, plan.releases);
    await tx.execute(
      sql`select setval(pg_get_serial_sequence('releases', 'id'), (select max(id) from ${releases}))`,
    );
    await bulkInsert(tx, releaseCommits, plan.landings);
    await bulkInsert(tx, events, plan.events);
    await bulkInsert(tx, hydraJobsets, plan.jobsets);
    await bulkInsert(tx, pullRequests, plan.pulls);
    await bulkInsert(tx, commitPulls, plan.commitPulls);
    for (const row of plan.channels) {
      await tx.insert(channels).values(row).onConflictDoUpdate({ target: channels.name, set: row });
    }
  });
  await db.execute(sql`analyze`);
  const counts = Object.fromEntries(Object.entries(plan).map(([k, v]) => [k, v.length]));
  return {
    ...(counts as Record<keyof HistoryPlan, number>),
    constituents: plan.constituentEvals.length * shape.constituents,
    channelNames: specs.map((s) => s.name),
  };
}

/** Each eval's `count` constituent builds and their links to its gate, made by the server. */
async function insertConstituents(db: Db, evals: ConstituentEval[], count: number): Promise<void> {
  const perChunk = Math.max(1, Math.floor(20_000 / count));
  for (let i = 0; i < evals.length; i += perChunk) {
    const json = JSON.stringify(evals.slice(i, i + perChunk));
    const from = sql`json_to_recordset(${json}::json) as e("evalId" bigint, "gateId" bigint, project text, jobset text, at timestamptz, running boolean) cross join generate_series(1, ${count}::int) as k`;
    // A third of a building eval's constituents are unfinished; every fourth runs on aarch64.
    const pending = sql`(e.running and k % 3 = 0)`;
    const system = sql`(case when k % 4 = 0 then 'aarch64-linux' else 'x86_64-linux' end)`;
    await db.execute(sql`
      insert into ${hydraBuilds} (id, project, jobset, job, system, nixname, finished, buildstatus,
        eval_ids, queued_at, started_at, stopped_at, fetched_at)
      select e."gateId" + k, e.project, e.jobset, 'nixos.tests.t' || k || '.' || ${system}, ${system},
        'vm-test-run-t' || k, not ${pending}, case when ${pending} then null else 0 end,
        jsonb_build_array(e."evalId"), e.at, e.at + make_interval(mins => k % 240),
        case when ${pending} then null else e.at + make_interval(mins => 30 + k % 240) end, e.at
      from ${from}`);
    await db.execute(sql`
      insert into aggregate_constituents (aggregate_id, constituent_id)
      select e."gateId", e."gateId" + k from ${from}`);
  }
}

/** Extra rolling channels on master, so a history has `count` channels whatever is configured. */
export function padChannels(specs: ChannelSpec[], count: number): ChannelSpec[] {
  return [...specs, ...syntheticChannels(count - specs.length).map((c) => ChannelSpec.parse(c))];
}

/**
 * `padChannels`' extra channels as a channels file writes them (a serve of a seeded history);
 * a file with a `graph` also needs `master` → each of them.
 */
export function syntheticChannels(count: number) {
  return Array.from({ length: Math.max(0, count) }, (_, i) => ({
    name: `synthetic-${i + 1}`,
    job: `synthetic/jobset-${i + 1}/tested`,
    status: "rolling",
    sourceBranch: "master",
    productJob: "nixos.channel",
  }));
}
