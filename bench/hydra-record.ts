/**
 * Hydra cost of floodgate against the simulator: requests per tick, and the time to record a
 * 200-constituent eval at the default 2 requests/s next to plain paced `fetch` calls of the same URLs.
 * Run: npm run bench (or npx tsx bench/hydra-record.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tickChannel } from "../src/channels/tick-channel.ts";
import type { ChannelSpec } from "../src/config/channels-file.ts";
import { parseConfig } from "../src/config/config.ts";
import type { DbHandle } from "../src/db/client.ts";
import { runPostgresMigrations } from "../src/db/migrate.node.ts";
import { createPgliteDb } from "../src/db/pglite.node.ts";
import type { Deps } from "../src/deps.ts";
import { createDeps, USER_AGENT } from "../src/entry/runtime.node.ts";
import { createHydraClient } from "../src/hydra/hydra-client.ts";
import { createRateLimiter } from "../src/hydra/rate-limiter.ts";
import { recordGate } from "../src/hydra/record-gate.ts";
import { silentLogger } from "../src/log.ts";
import { scenarioChannels } from "../src/sim/scenario.ts";
import { type Simulator, startSimulator } from "../src/sim/simulator.node.ts";

const CONSTITUENTS = 200;
const DEFAULT_RATE = 2;
const RUNS = 3;
const jobs = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `nixos.tests.${tag}${i}.x86_64-linux`);

interface World {
  sim: Simulator;
  db: DbHandle;
  deps: Deps;
  spec: ChannelSpec;
  dir: string;
}

async function startWorld(requestsPerSecond: number): Promise<World> {
  const sim = await startSimulator();
  const db = await createPgliteDb();
  await runPostgresMigrations(db.connection);
  const dir = mkdtempSync(join(tmpdir(), "floodgate-bench-"));
  const config = parseConfig(
    { ...sim.env, FLOODGATE_DATA_DIR: dir },
    { raw: { channels: scenarioChannels }, source: "bench" },
  );
  const hydra = createHydraClient({
    baseUrl: config.hydraUrl,
    userAgent: USER_AGENT,
    requestsPerSecond,
  });
  const deps = createDeps(config, db.db, silentLogger, { hydra });
  const spec = config.channels.find((c) => c.name === "nixos-unstable");
  if (!spec) throw new Error("bench: no nixos-unstable channel");
  sim.github.model.commit("master", "initial");
  sim.github.model.createBranch(spec.branch, sim.github.model.branchHead("master") ?? "");
  return { sim, db, deps, spec, dir };
}

async function stopWorld(w: World): Promise<void> {
  await w.sim.close();
  await w.db.close();
  rmSync(w.dir, { recursive: true, force: true });
}

/** Hydra requests made by `fn`, and how long it took. */
async function measure(w: World, fn: () => Promise<unknown>) {
  const before = w.sim.hydra.requests.length;
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  return { paths: w.sim.hydra.requests.slice(before).map((r) => r.path), ms };
}

async function requestsPerTick(): Promise<[string, number][]> {
  const w = await startWorld(500);
  const rows: [string, number][] = [];
  const tick = async (label: string) => {
    const { paths } = await measure(w, () => tickChannel(w.deps, w.spec));
    rows.push([label, paths.length]);
  };
  try {
    w.sim.github.model.commit("master", "hello: 2.12 -> 2.13");
    const first = await w.sim.evaluate(w.spec, { constituents: jobs(CONSTITUENTS, "a") });
    w.sim.hydra.model.finishEval(first.evalId);
    await tick("new passing eval: record, advance, publish");
    await tick("idle: nothing changed");
    w.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const next = await w.sim.evaluate(w.spec, { constituents: jobs(CONSTITUENTS, "b") });
    const id = (job: string) => next.buildIds[job] ?? 0;
    const all = jobs(CONSTITUENTS, "b");
    w.sim.hydra.model.finishBuild(id(all[0] ?? ""), 1, { failAggregates: true });
    for (const job of ["nixos.channel", ...all.slice(6)]) w.sim.hydra.model.finishBuild(id(job), 0);
    await tick("new failed eval (fail-fast), 5 still pending");
    await tick("5 pending constituents re-polled");
    for (const job of all.slice(1, 6)) w.sim.hydra.model.finishBuild(id(job), 0);
    await tick("the 5 pending ones finished");
    await tick("idle again");
    return rows;
  } finally {
    await stopWorld(w);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Records a fresh 200-constituent gate, then fetches the same URLs plainly at the same pace. */
async function recordVersusFetch(rate: number) {
  const recordMs: number[] = [];
  const fetchMs: number[] = [];
  let requests = 0;
  for (let run = 0; run < RUNS; run++) {
    const w = await startWorld(rate);
    try {
      w.sim.github.model.commit("master", `change ${run}`);
      const ev = await w.sim.evaluate(w.spec, { constituents: jobs(CONSTITUENTS, "c") });
      w.sim.hydra.model.finishEval(ev.evalId);
      const expect = { finished: true, buildstatus: 0 };
      const recorded = await measure(w, () =>
        recordGate(w.deps, ev.aggregateId, expect, new Date()),
      );
      recordMs.push(recorded.ms);
      requests = recorded.paths.length;
      const limiter = createRateLimiter({ requestsPerSecond: rate });
      const fetched = await measure(w, async () => {
        for (const path of recorded.paths) {
          await limiter.acquire();
          const res = await fetch(w.sim.hydra.url + path, {
            headers: { Accept: "application/json", "User-Agent": USER_AGENT },
          });
          await res.text();
        }
      });
      fetchMs.push(fetched.ms);
    } finally {
      await stopWorld(w);
    }
  }
  return { requests, recordMs: median(recordMs), fetchMs: median(fetchMs) };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const out = (line = "") => process.stdout.write(`${line}\n`);

out(`floodgate Hydra benchmark: fake Hydra on loopback, PGlite in memory, Node ${process.version}`);
out();
out(`Requests per tick (nixos-unstable, ${CONSTITUENTS} constituents per eval)`);
for (const [label, n] of await requestsPerTick()) out(`  ${label.padEnd(48)}${pad(n, 4)}`);
out("  (plus one /api/jobsets per project at most every 15 minutes, shared by its channels)");
out();
out(
  `Recording a new ${CONSTITUENTS}-constituent gate (build, eval, constituents); median of ${RUNS}`,
);
out(
  `  ${"rate".padEnd(20)}${pad("requests", 9)}${pad("recordGate ms", 15)}${pad("plain fetch ms", 16)}${pad("overhead ms", 13)}`,
);
for (const [label, rate] of [
  [`${DEFAULT_RATE} r/s (default)`, DEFAULT_RATE],
  ["unlimited (500 r/s)", 500],
] as const) {
  const r = await recordVersusFetch(rate);
  out(
    `  ${label.padEnd(20)}${pad(r.requests, 9)}${pad(r.recordMs.toFixed(0), 15)}${pad(r.fetchMs.toFixed(0), 16)}${pad((r.recordMs - r.fetchMs).toFixed(0), 13)}`,
  );
}
