/**
 * Public reads over one year of history (src/sim/year-history: 10 channels, 100k commits, 3k
 * releases, 2k evals × 200 constituents): p99 of `/`, `/channels/{c}`, `/api/v1/channels` and
 * `/api/v1/commits/{7-hex}` (300 prefixes of seeded commits in turn) under 50 connections, with
 * `floodgate serve` on PGlite and on PostgreSQL; and serve's RSS on PGlite, steady after the load
 * and one request for every page of every channel, split into PGlite's WASM heap, the JS heap and
 * the rest (bench/support/memory-probe.mjs).
 * Run: npm run bench:year -- [--scale 1] [--seconds 8] [--only pglite|postgres]
 *   [--pglite-from DIR]: a copy of a data dir `npm run seed:year` filled, instead of seeding again.
 * Env: FLOODGATE_BENCH_DATABASE_URL (default the test server), BENCH_LOOP_PROBE=1 (after each
 * row the server prints its event-loop stalls, bench/support/loop-probe.mjs), BENCH_NODE_ARGS
 * (more node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import defaultChannels from "../src/config/channels.default.json" with { type: "json" };
import { parseChannelsFile } from "../src/config/config.ts";
import type { Db } from "../src/db/client.ts";
import { openDatabase } from "../src/db/open-db.node.ts";
import { commitPulls } from "../src/db/schema.ts";
import { scaleHistory, YEAR } from "../src/sim/year-history/history-shape.ts";
import {
  padChannels,
  seedHistory,
  syntheticChannels,
} from "../src/sim/year-history/seed-history.ts";
import { type LoadResult, stopChild, waitForHttp, which, wrk } from "./support/load-tools.ts";
import { scratchDatabase } from "./support/scratch-database.ts";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    seconds: { type: "string", default: "8" },
    only: { type: "string" },
    "pglite-from": { type: "string" },
  },
});
const SCALE = Number(values.scale);
const SECONDS = Number(values.seconds);
const CONNECTIONS = 50;
const P99_GOAL_MS = 50;
const RSS_GOAL_MIB = 300;
const PG_URL =
  process.env.FLOODGATE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BIN = new URL("../bin/floodgate.js", import.meta.url).pathname;
const PROBE = new URL("./support/memory-probe.mjs", import.meta.url).pathname;
const LOOP_PROBE = new URL("./support/loop-probe.mjs", import.meta.url).pathname;
const PRINT_STALLS = process.env.BENCH_LOOP_PROBE === "1";
// Nothing here may reach the internet: upstreams point at a closed local port.
const NOWHERE = "http://127.0.0.1:9";

if (!which("wrk")) {
  console.log("year-history: skipped, wrk not installed (apt-get install -y wrk)");
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "floodgate-year-"));
const specs = padChannels(parseChannelsFile(defaultChannels, "bundled"), 10);
const channelsFile = join(dir, "channels.json");
const padding = syntheticChannels(specs.length - defaultChannels.channels.length);
const graph: Record<string, string[]> = { ...defaultChannels.graph };
graph.master = [...(graph.master ?? []), ...padding.map((c) => c.name)];
writeFileSync(
  channelsFile,
  JSON.stringify({ graph, channels: [...defaultChannels.channels, ...padding] }),
);
const end = new Date(new Date().setUTCHours(0, 0, 0, 0));
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** Seeds the year into a new database; returns 7-hex prefixes of commits lookups may ask about. */
async function seed(dataDir: string, databaseUrl?: string): Promise<string[]> {
  const from = databaseUrl ? undefined : values["pglite-from"];
  if (from) cpSync(from, dataDir, { recursive: true });
  const handle = await openDatabase({
    dataDir,
    claim: { command: "bench", waitMs: 0 },
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  try {
    if (from) return await lookupPrefixes(handle.db);
    const started = performance.now();
    const shape = SCALE === 1 ? YEAR : scaleHistory(YEAR, SCALE);
    const summary = await seedHistory(handle.db, { channels: specs, shape, seed: 1, end });
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(
      `  seeded ${summary.commits} commits, ${summary.releases} releases, ${summary.constituents} constituents in ${seconds} s`,
    );
    return await lookupPrefixes(handle.db);
  } finally {
    await handle.close();
  }
}

/** Master commits (each linked to its PR, so no lookup asks GitHub), spread over the year. */
async function lookupPrefixes(db: Db): Promise<string[]> {
  const rows = await db
    .select({ sha: commitPulls.sha })
    .from(commitPulls)
    .orderBy(sql`md5(${commitPulls.sha})`)
    .limit(300);
  return rows.map((r) => r.sha.slice(0, 7));
}

function startServe(dataDir: string, port: number, databaseUrl?: string) {
  const probeFile = join(dataDir, "memory.json");
  mkdirSync(dataDir, { recursive: true });
  const probes = ["--import", PROBE, ...(PRINT_STALLS ? ["--import", LOOP_PROBE] : [])];
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...probes, BIN, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      FLOODGATE_DATA_DIR: dataDir,
      FLOODGATE_CHANNELS: channelsFile,
      FLOODGATE_SCHEDULER: "off",
      FLOODGATE_GITHUB_API_URL: NOWHERE,
      FLOODGATE_HYDRA_URL: NOWHERE,
      FLOODGATE_BINARY_CACHE_URL: NOWHERE,
      // wrk is one client; the per-client lookup limit (0 refuses all) is not what is measured.
      FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: "100000000",
      FLOODGATE_MEMORY_PROBE: probeFile,
      PORT: String(port),
      HOST: "127.0.0.1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const pid = child.pid ?? 0;
  return {
    url: `http://127.0.0.1:${port}`,
    rssMiB: () => statusKiB(pid, "VmRSS") / 1024,
    peakMiB: () => statusKiB(pid, "VmHWM") / 1024,
    async memory(): Promise<Record<string, unknown>> {
      rmSync(probeFile, { force: true });
      child.kill("SIGUSR2");
      for (let i = 0; i < 50; i++) {
        await sleep(100);
        try {
          return JSON.parse(readFileSync(probeFile, "utf8")) as Record<string, unknown>;
        } catch {}
      }
      return {};
    },
    /** The loop probe prints the stalls since the last call (the memory probe writes its file). */
    printStalls: () => PRINT_STALLS && child.kill("SIGUSR2"),
    stop: () => stopChild(child),
  };
}

function statusKiB(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
let met = 0;
let missed = 0;
function report(what: string, r: LoadResult) {
  // No answer at all within the run (a server blocked for its length) leaves wrk no p99 to report.
  const ok = r.requestsPerSecond > 0 && r.p99Ms < P99_GOAL_MS && r.errors === 0;
  if (ok) met++;
  else missed++;
  console.log(
    `  ${what.padEnd(36)} ${fmt(r.requestsPerSecond).padStart(6)} req/s  p99 ${fmt(r.p99Ms, 2).padStart(8)} ms  errors ${r.errors}  load ${load()}  [p99 < ${P99_GOAL_MS} ms: ${ok ? "met" : "MISSED"}]`,
  );
}

/** wrk through `prefixes` in turn (a Lua script), so lookups are not one cached answer. */
function lookupScript(prefixes: string[]): string {
  const path = join(dir, "lookups.lua");
  const list = prefixes.map((p) => `"/api/v1/commits/${p}"`).join(",");
  writeFileSync(
    path,
    `local paths = {${list}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`,
  );
  return path;
}

/** GETs each channel's pages and JSON and the global ones; returns how many answered 200. */
async function warmEveryPage(url: string): Promise<number> {
  const paths = ["/", "/api/v1/channels", "/metrics", "/api/v1/alerts"];
  for (const { name } of specs) {
    paths.push(
      `/channels/${name}`,
      `/api/v1/channels/${name}`,
      `/api/v1/channels/${name}/lag?days=90`,
      `/history/${name}`,
      `/feeds/${name}.atom`,
      `/badges/${name}.svg`,
    );
  }
  let ok = 0;
  for (const path of paths) {
    const res = await fetch(`${url}${path}`);
    await res.arrayBuffer();
    if (res.status === 200) ok++;
  }
  return ok;
}

async function run(label: string, port: number, databaseUrl?: string) {
  const dataDir = join(dir, label);
  console.log(`${label}: one year of history (scale ${SCALE}), load ${load()}`);
  const prefixes = await seed(dataDir, databaseUrl);
  const serve = startServe(dataDir, port, databaseUrl);
  try {
    await waitForHttp(`${serve.url}/api/v1/channels`, 300_000);
    const channel = specs[0]?.name ?? "nixos-unstable";
    const pages = [
      "/",
      `/channels/${channel}`,
      `/api/v1/channels/${channel}`,
      "/api/v1/channels",
      `/api/v1/channels/${channel}/lag?days=90`,
    ];
    for (const path of [...pages, `/api/v1/commits/${prefixes[0]}`]) {
      const res = await fetch(`${serve.url}${path}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
    }
    const idle = serve.rssMiB();
    serve.printStalls();
    console.log(
      `  wrk -t1 -c${CONNECTIONS} -d${SECONDS}s; serve RSS after one request each: ${fmt(idle)} MiB`,
    );
    for (const path of pages) {
      report(`GET ${path}`, await wrk(`${serve.url}${path}`, CONNECTIONS, SECONDS));
      serve.printStalls();
    }
    report(
      `GET /api/v1/commits/{7-hex} ×${prefixes.length}`,
      await wrk(serve.url, CONNECTIONS, SECONDS, { script: lookupScript(prefixes) }),
    );
    serve.printStalls();
    // Every page of every channel once, so the RSS below holds all that serving them keeps.
    const warmStarted = performance.now();
    const warmed = await warmEveryPage(serve.url);
    const warmSeconds = ((performance.now() - warmStarted) / 1000).toFixed(0);
    console.log(`  every page of every channel once: ${warmed} pages in ${warmSeconds} s`);
    serve.printStalls();
    // Steady: what stays once the load is over (the last of 10 s of samples).
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      samples.push(serve.rssMiB());
    }
    const steady = samples.at(-1) ?? Number.NaN;
    serve.printStalls();
    const ok = label !== "PGlite" || steady < RSS_GOAL_MIB;
    if (label === "PGlite") {
      if (ok) met++;
      else missed++;
    }
    console.log(
      `  serve RSS steady ${fmt(steady)} MiB (peak ${fmt(serve.peakMiB())} MiB)${label === "PGlite" ? `  [< ${RSS_GOAL_MIB} MiB: ${ok ? "met" : "MISSED"}]` : ""}`,
    );
    console.log(`  where it goes: ${JSON.stringify(await serve.memory())}`);
  } finally {
    await serve.stop();
  }
}

try {
  if (values.only !== "postgres") await run("PGlite", 18301);
  if (values.only !== "pglite") {
    const pg = await scratchDatabase(PG_URL, "floodgate_year");
    if (pg) {
      try {
        await run("PostgreSQL", 18302, pg.url);
      } finally {
        await pg.drop();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`year-history: ${met} of ${met + missed} goals met`);
