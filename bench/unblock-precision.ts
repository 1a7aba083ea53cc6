/**
 * Precision and recall of the unblock assistant's verdicts on a generated 500-eval history with
 * known truth (src/sim/unblock-history.ts): written eval by eval into PGlite as floodgate records
 * Hydra (gate, constituents, each result; restarts after the verdict was asked), and judged at each
 * eval for every constituent whose first attempt failed, as a blocked tick would.
 * Run: npm run bench:unblock -- [--seed 1] [--evals 500] [--constituents 40]
 */
import { parseArgs } from "node:util";
import { inArray, sql } from "drizzle-orm";
import { bulkInsert } from "../src/db/bulk-insert.ts";
import { runPostgresMigrations } from "../src/db/migrate.node.ts";
import { createPgliteDb } from "../src/db/pglite.node.ts";
import {
  aggregateConstituents,
  hydraBuildResults,
  hydraBuilds,
  hydraEvals,
} from "../src/db/schema.ts";
import { planUnblockHistory, UNBLOCK_HISTORY } from "../src/sim/unblock-history.ts";
import {
  DEFAULT_MEMORY,
  DEFAULT_WINDOW,
  judgeConstituent,
} from "../src/unblock/judge-constituent.ts";
import { loadConstituentHistory } from "../src/unblock/load-history.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    evals: { type: "string", default: String(UNBLOCK_HISTORY.evals) },
    constituents: { type: "string", default: String(UNBLOCK_HISTORY.constituents) },
  },
});
const shape = {
  ...UNBLOCK_HISTORY,
  evals: Number(values.evals),
  constituents: Number(values.constituents),
};
const history = planUnblockHistory(shape, Number(values.seed));
const job = { project: "nixos", jobset: "unstable", job: "tested" };
const T0 = Date.parse("2026-01-01T00:00:00Z");
const evalId = (i: number) => 1_000_000 + i;
const gateId = (i: number) => 100_000_000 + i * 1000;
const buildId = (i: number, c: number) => gateId(i) + 1 + c;
const stop = (i: number, attempt: number) => new Date(T0 + i * 6 * 3600_000 + attempt * 600_000);

const handle = await createPgliteDb();
const db = handle.db;
await runPostgresMigrations(handle.connection);

type Truth = "flaky" | "consistent";
type Said = "flaky" | "consistent" | "other";
const cases: { truth: Truth; said: Said; firstBadRight: boolean | null }[] = [];
const started = Date.now();

for (const ev of history.evals) {
  const i = ev.index;
  const at = stop(i, 0);
  await db.insert(hydraEvals).values({
    id: evalId(i),
    ...job,
    revision: ev.revision,
    evaluatedAt: at,
    hasNewBuilds: true,
    inputs: {},
    fetchedAt: at,
  });
  const failing = ev.runs.flatMap((r, c) => (r.first !== 0 ? [c] : []));
  const build = (id: number, name: string, status: number) => ({
    id,
    ...job,
    job: name,
    system: "x86_64-linux",
    nixname: name,
    finished: true,
    buildstatus: status,
    evalIds: [evalId(i)],
    stoppedAt: at,
    fetchedAt: at,
  });
  await bulkInsert(db, hydraBuilds, [
    build(gateId(i), job.job, failing.length ? 2 : 0),
    ...ev.runs.map((r, c) => build(buildId(i, c), history.jobs[c] ?? "", r.first)),
  ]);
  await bulkInsert(
    db,
    aggregateConstituents,
    ev.runs.map((_, c) => ({ aggregateId: gateId(i), constituentId: buildId(i, c) })),
  );
  await bulkInsert(
    db,
    hydraBuildResults,
    ev.runs.map((r, c) => ({
      buildId: buildId(i, c),
      stoppedAt: at,
      buildstatus: r.first,
      observedAt: at,
    })),
  );

  if (failing.length) {
    const jobs = failing.map((c) => history.jobs[c] ?? "");
    const histories = await loadConstituentHistory(db, job, {
      gateBuildId: gateId(i),
      jobs,
      window: DEFAULT_MEMORY,
    });
    for (const c of failing) {
      const brk = history.breaks.find((b) => b.constituent === c && b.start <= i && i < b.end);
      const runs = histories.find((h) => h.job === history.jobs[c])?.runs ?? [];
      const v = judgeConstituent(runs, DEFAULT_WINDOW).verdict;
      const said: Said = v.kind === "flaky" || v.kind === "consistent" ? v.kind : "other";
      const inWindow = brk !== undefined && i - brk.start < DEFAULT_WINDOW;
      cases.push({
        truth: brk ? "consistent" : "flaky",
        said,
        firstBadRight:
          brk && v.kind === "consistent" && inWindow
            ? v.firstBad.evalId === evalId(brk.start)
            : null,
      });
    }
  }

  // Maintainers restart after the block was explained: each restart is a new result of the build.
  const restarted = ev.runs.flatMap((r, c) => (r.restarts.length ? [{ r, c }] : []));
  for (const { r, c } of restarted) {
    await bulkInsert(
      db,
      hydraBuildResults,
      r.restarts.map((status, n) => ({
        buildId: buildId(i, c),
        stoppedAt: stop(i, n + 1),
        buildstatus: status,
        observedAt: stop(i, n + 1),
      })),
    );
  }
  for (const status of [0, 1]) {
    const ids = restarted
      .filter(({ r }) => r.restarts.at(-1) === status)
      .map(({ c }) => buildId(i, c));
    if (ids.length) {
      await db
        .update(hydraBuilds)
        .set({ buildstatus: status, stoppedAt: sql`${stop(i, 1).toISOString()}::timestamptz` })
        .where(inArray(hydraBuilds.id, ids));
    }
  }
}
await handle.close();

const count = (f: (c: (typeof cases)[number]) => boolean) => cases.filter(f).length;
const ratio = (a: number, b: number) => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)} %`);
const report = (kind: Truth) => {
  const tp = count((c) => c.said === kind && c.truth === kind);
  const said = count((c) => c.said === kind);
  const truth = count((c) => c.truth === kind);
  return `${kind}: precision ${ratio(tp, said)} (${tp}/${said}), recall ${ratio(tp, truth)} (${tp}/${truth})`;
};
const located = cases.filter((c) => c.firstBadRight !== null);
const flakyJobs = history.flakeRates.filter((p) => p > 0).length;
console.log(
  `unblock verdicts on ${shape.evals} evals × ${shape.constituents} constituents (seed ${values.seed}): ` +
    `${flakyJobs} flaky constituents, ${history.breaks.length} consistent failures; ` +
    `${cases.length} failing results judged in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`  ${report("flaky")}`);
console.log(`  ${report("consistent")}`);
console.log(`  no verdict: ${count((c) => c.said === "other")}`);
console.log(
  `  first-bad eval exact (consistent, began within the window): ${ratio(located.filter((c) => c.firstBadRight).length, located.length)} (${located.filter((c) => c.firstBadRight).length}/${located.length})`,
);
