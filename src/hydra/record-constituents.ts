import { eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { aggregateConstituents, type HydraBuildRow, hydraBuilds } from "../db/schema.ts";
import type { HydraApi } from "./hydra-api.ts";
import { upsertBuilds } from "./upsert-builds.ts";

/**
 * Up to this many stale constituents are fetched one by one (`/build/ID`, ~1 KB each); beyond it one
 * `/build/AGG/constituents` (~200 full builds, each costing Hydra several queries) is the cheaper ask.
 */
export const MAX_SINGLE_REFETCHES = 10;

interface RecordDeps {
  db: Db;
  hydra: HydraApi;
}

/** What the caller knows of the aggregate: whether Hydra's answer differs from the recorded one. */
export interface GateState {
  changed: boolean;
  failed: boolean;
}

const passed = (row: HydraBuildRow) => row.finished && row.buildstatus === 0;

async function rowsOf(db: Db, ids: number[]): Promise<HydraBuildRow[]> {
  return ids.length ? db.select().from(hydraBuilds).where(inArray(hydraBuilds.id, ids)) : [];
}

async function fetchList(
  deps: RecordDeps,
  aggregateId: number,
  now: Date,
): Promise<HydraBuildRow[]> {
  const fresh = await deps.hydra.constituents(aggregateId);
  await upsertBuilds(deps.db, fresh, now);
  if (fresh.length > 0) {
    await deps.db
      .insert(aggregateConstituents)
      .values(fresh.map((b) => ({ aggregateId, constituentId: b.id })))
      .onConflictDoNothing();
  }
  return rowsOf(
    deps.db,
    fresh.map((b) => b.id),
  );
}

/**
 * Records an aggregate's constituents, asking Hydra only for what may have changed. The links never
 * change (written in the eval's transaction). Unfinished constituents are re-polled; finished ones
 * only when the gate changed, and then only those that had not passed: a restart is what turns a
 * failure into a pass, and it counts for the channel only once the gate is rebuilt, changing it.
 */
export async function recordConstituents(
  deps: RecordDeps,
  aggregateId: number,
  gate: GateState,
  now: Date,
): Promise<HydraBuildRow[]> {
  const links = await deps.db
    .select({ id: aggregateConstituents.constituentId })
    .from(aggregateConstituents)
    .where(eq(aggregateConstituents.aggregateId, aggregateId))
    .orderBy(aggregateConstituents.constituentId);
  if (links.length === 0) return fetchList(deps, aggregateId, now);

  const ids = links.map((l) => l.id);
  const rows = await rowsOf(deps.db, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const stale = ids.filter((id) => {
    const row = byId.get(id);
    return !row?.finished || (gate.changed && !passed(row));
  });
  if (stale.length === 0) {
    // A gate that turned to failure with nothing recorded to explain it: a passed one was restarted.
    const unexplained = gate.changed && gate.failed && rows.every(passed);
    return unexplained ? fetchList(deps, aggregateId, now) : rows;
  }
  if (stale.length > MAX_SINGLE_REFETCHES) return fetchList(deps, aggregateId, now);
  for (const id of stale) {
    // One at a time, recorded as it comes: an interrupted re-poll keeps what it already learnt.
    await upsertBuilds(deps.db, [await deps.hydra.build(id)], now);
  }
  return rowsOf(deps.db, ids);
}
