/**
 * Public reads against nginx (1 worker, static files) in the same run, on loopback: the channel
 * redirect, a small release file, the 40 MB tarball, `/` and `/api/v1/channels`, with floodgate
 * serving from PGlite and from PostgreSQL. Run: npm run bench (or npx tsx bench/public-reads.ts).
 * Env: BENCH_SECONDS (default 4 per run), BENCH_ROUNDS (default 3, medians),
 * FLOODGATE_BENCH_DATABASE_URL (default the test server), BENCH_ONLY (run only these rows:
 * comma-separated of redirect, file, tarball, pages; e.g. BENCH_ONLY=redirect,file),
 * BENCH_LOOP_PROBE=1 (after each row the server prints its event-loop stalls, bench/support/loop-probe.mjs).
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/open-db.node.ts";
import { scenarioChannels } from "../src/sim/scenario.ts";
import {
  type LoadResult,
  startNginx,
  stopChild,
  waitForHttp,
  which,
  wrk,
} from "./support/load-tools.ts";
import { scratchDatabase } from "./support/scratch-database.ts";
import { type SeededRelease, seedReleases } from "./support/seed-releases.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
// nginx and floodgate alternate this many times; each figure is the median (a shared machine is noisy).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const TARBALL_BYTES = 40 * 1024 * 1024;
const ONLY = new Set((process.env.BENCH_ONLY ?? "redirect,file,tarball,pages").split(","));
const PG_URL =
  process.env.FLOODGATE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BIN = new URL("../bin/floodgate.js", import.meta.url).pathname;
const LOOP_PROBE = process.env.BENCH_LOOP_PROBE === "1";
const PROBE = new URL("./support/loop-probe.mjs", import.meta.url).pathname;

const missing = ["nginx", "wrk"].filter((tool) => !which(tool));
if (missing.length) {
  console.log(
    `public-reads: skipped, ${missing.join(" and ")} not installed (apt-get install -y nginx wrk)`,
  );
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "floodgate-reads-"));
const names = scenarioChannels.map((c) => c.name);
const channelsFile = join(dir, "channels.json");
writeFileSync(channelsFile, JSON.stringify({ channels: scenarioChannels }));

/** `floodgate serve`, scheduler off, on a seeded database; PGlite unless `databaseUrl`. */
async function startFloodgate(label: string, port: number, databaseUrl?: string) {
  const dataDir = join(dir, label);
  const storeDir = join(dataDir, "releases");
  const handle = await openDatabase({
    dataDir,
    claim: { command: "bench", waitMs: 0 },
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const seeded = await seedReleases(handle.db, storeDir, names, TARBALL_BYTES);
  await handle.close();
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  if (LOOP_PROBE) nodeArgs.push("--import", PROBE);
  const child = spawn(process.execPath, [...nodeArgs, BIN, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      FLOODGATE_DATA_DIR: dataDir,
      FLOODGATE_CHANNELS: channelsFile,
      FLOODGATE_SCHEDULER: "off",
      PORT: String(port),
      HOST: "127.0.0.1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/v1/channels`);
  // The probe prints what it saw and starts over (start-up is not what is measured).
  const probe = () => LOOP_PROBE && child.kill("SIGUSR2");
  probe();
  return { url, seeded, storeDir, probe, stop: () => stopChild(child) };
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const medianOf = (runs: LoadResult[]): LoadResult => ({
  requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
  megabytesPerSecond: median(runs.map((r) => r.megabytesPerSecond)),
  p99Ms: median(runs.map((r) => r.p99Ms)),
  maxMs: Math.max(...runs.map((r) => r.maxMs)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  errorKinds: {
    connect: runs.reduce((sum, r) => sum + r.errorKinds.connect, 0),
    read: runs.reduce((sum, r) => sum + r.errorKinds.read, 0),
    write: runs.reduce((sum, r) => sum + r.errorKinds.write, 0),
    timeout: runs.reduce((sum, r) => sum + r.errorKinds.timeout, 0),
    non2xx3xx: runs.reduce((sum, r) => sum + r.errorKinds.non2xx3xx, 0),
  },
  statuses: {},
});

/** Alternates baseline and subject ROUNDS times; the medians of each. */
async function paired(baselineUrl: string | null, url: string, connections: number) {
  const base: LoadResult[] = [];
  const subject: LoadResult[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (baselineUrl) base.push(await wrk(baselineUrl, connections, SECONDS));
    subject.push(await wrk(url, connections, SECONDS));
  }
  return { baseline: base.length ? medianOf(base) : undefined, result: medianOf(subject) };
}

interface Row {
  what: string;
  result: LoadResult;
  baseline?: LoadResult;
  goal: string;
  ok: boolean;
}
const rows: Row[] = [];

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
function report(row: Row, server: { probe(): void }) {
  server.probe();
  rows.push(row);
  const { result, baseline } = row;
  const ratio = baseline
    ? ` ${fmt(result.requestsPerSecond / baseline.requestsPerSecond, 2)}× nginx (nginx ${fmt(baseline.requestsPerSecond)} req/s, ${fmt(baseline.megabytesPerSecond, 1)} MB/s, p99 ${fmt(baseline.p99Ms, 2)} ms)`
    : "";
  console.log(
    `  ${row.what.padEnd(44)} ${fmt(result.requestsPerSecond).padStart(6)} req/s ${fmt(result.megabytesPerSecond, 1).padStart(7)} MB/s  p99 ${fmt(result.p99Ms, 2).padStart(7)} ms  errors ${result.errors}${ratio}  [${row.goal}: ${row.ok ? "met" : "MISSED"}]`,
  );
}

/** The shared static root nginx serves: the same bytes floodgate serves. */
function nginxRoot(seeded: SeededRelease, storeDir: string): string {
  const root = join(dir, "static");
  mkdirSync(root, { recursive: true });
  const prefix = seeded.path.replace(/^\/releases\//, "");
  copyFileSync(join(storeDir, prefix, "git-revision"), join(root, "git-revision"));
  copyFileSync(join(storeDir, prefix, "nixexprs.tar.xz"), join(root, "nixexprs.tar.xz"));
  return root;
}

async function runAgainst(label: string, floodgate: Awaited<ReturnType<typeof startFloodgate>>) {
  const [release] = floodgate.seeded;
  if (!release) throw new Error("nothing seeded");
  const nginx = await startNginx(
    join(dir, `nginx-${label}`),
    nginxRoot(release, floodgate.storeDir),
    18080,
  );
  try {
    console.log(
      `floodgate on ${label} (wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, median of ${ROUNDS} alternating with nginx 1 worker)`,
    );
    const smallUrl = `${nginx.url}/git-revision`;
    if (ONLY.has("redirect")) {
      const redirect = await paired(smallUrl, `${floodgate.url}/${release.channel}`, CONNECTIONS);
      report(
        {
          what: `GET /${release.channel} (302)`,
          ...redirect,
          goal: "≥ 0.6× nginx, p99 ≤ 10 ms",
          ok:
            redirect.result.requestsPerSecond >=
              0.6 * (redirect.baseline?.requestsPerSecond ?? 0) && redirect.result.p99Ms <= 10,
        },
        floodgate,
      );
    }
    if (label !== "PGlite") return;
    if (ONLY.has("file")) {
      const file = await paired(
        smallUrl,
        `${floodgate.url}${release.path}/git-revision`,
        CONNECTIONS,
      );
      report(
        {
          what: "GET …/git-revision (40 B)",
          ...file,
          goal: "≥ 0.5× nginx, p99 ≤ 10 ms",
          ok:
            file.result.requestsPerSecond >= 0.5 * (file.baseline?.requestsPerSecond ?? 0) &&
            file.result.p99Ms <= 10,
        },
        floodgate,
      );
    }
    if (ONLY.has("tarball")) {
      const big = await paired(
        `${nginx.url}/nixexprs.tar.xz`,
        `${floodgate.url}${release.path}/nixexprs.tar.xz`,
        4,
      );
      const mbRatio = big.result.megabytesPerSecond / (big.baseline?.megabytesPerSecond ?? 1);
      report(
        {
          what: `GET …/nixexprs.tar.xz (40 MiB, 4 conn) ${fmt(mbRatio, 2)}× MB/s`,
          ...big,
          goal: "≥ 0.8× nginx MB/s",
          ok: mbRatio >= 0.8,
        },
        floodgate,
      );
    }
    if (!ONLY.has("pages")) return;
    for (const path of ["/", `/channels/${release.channel}`, "/api/v1/channels"]) {
      const page = await paired(null, `${floodgate.url}${path}`, CONNECTIONS);
      report(
        { what: `GET ${path}`, ...page, goal: "p99 < 50 ms", ok: page.result.p99Ms < 50 },
        floodgate,
      );
    }
  } finally {
    await nginx.stop();
  }
}

try {
  const pglite = await startFloodgate("PGlite", 18081);
  try {
    await runAgainst("PGlite", pglite);
  } finally {
    await pglite.stop();
  }
  const pg = await scratchDatabase(PG_URL, "floodgate_bench");
  if (pg) {
    try {
      const server = await startFloodgate("PostgreSQL", 18082, pg.url);
      try {
        await runAgainst("PostgreSQL", server);
      } finally {
        await server.stop();
      }
    } finally {
      await pg.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const missed = rows.filter((r) => !r.ok).length;
console.log(`public-reads: ${rows.length - missed} of ${rows.length} goals met`);
