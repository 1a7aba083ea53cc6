/**
 * Page weight and speed of `/` and `/channels/{c}` with a year of history: the bytes of a first
 * load over the wire (the page, its assets, the JSON its charts fetch; with and without
 * compression), then server p99 under a small wrk load on loopback. Goals: < 200 KB, p99 < 50 ms.
 * Run: npm run bench:lag-pages -- [--database-url URL] (reuse a seeded database; otherwise a new
 * one on FLOODGATE_BENCH_DATABASE_URL's server is seeded with `seed:year` and dropped after).
 * Env: BENCH_SECONDS (default 10 per page), BENCH_CONNECTIONS (default 10).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import postgres from "postgres";
import { stopChild, waitForHttp, which, wrk } from "./support/load-tools.ts";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    channel: { type: "string", default: "nixos-unstable" },
    port: { type: "string", default: "18911" },
  },
});
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SERVER =
  process.env.FLOODGATE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BIN = new URL("../bin/floodgate.js", import.meta.url).pathname;
const SEED = new URL("./seed-year.ts", import.meta.url).pathname;
const KB = 1000;
const GOAL_BYTES = 200 * KB;
const GOAL_P99_MS = 50;
const BROWSER_ENCODINGS = "gzip, deflate, br, zstd";

function runChild(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

/** A fresh database on the server, seeded with a year; dropped by `drop`. */
async function seededDatabase(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  const name = `floodgate_lag_pages_${Date.now()}`;
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const drop = async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  };
  try {
    console.log(`lag-pages: seeding a year into ${name} (npm run seed:year)…`);
    await runChild([...process.execArgv, SEED], {
      DATABASE_URL: url.toString(),
      FLOODGATE_DATA_DIR: dir,
    });
  } catch (err) {
    await drop();
    throw err;
  }
  return { url: url.toString(), drop };
}

interface Fetched {
  status: number;
  /** Status line, headers and body as they crossed the wire (the body still encoded). */
  wireBytes: number;
  encoding: string | null;
  text: string;
  ms: number;
}

/** One GET over a fresh connection, counting raw bytes (node:http never decodes bodies). */
function get(url: string, acceptEncoding: string | null): Promise<Fetched> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: acceptEncoding ? { "Accept-Encoding": acceptEncoding } : {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
          }
          const encoding = res.headers["content-encoding"] ?? null;
          const decoded = decode(body, encoding);
          resolve({
            status: res.statusCode ?? 0,
            wireBytes: Buffer.byteLength(`${head}\r\n`) + body.length,
            encoding,
            text: decoded,
            ms: performance.now() - started,
          });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function decode(body: Buffer, encoding: string | null): string {
  if (encoding === null) return body.toString("utf8");
  if (encoding === "br") return brotliDecompressSync(body).toString("utf8");
  if (encoding === "gzip") return gunzipSync(body).toString("utf8");
  throw new Error(`unexpected Content-Encoding ${encoding}`);
}

/** What a browser fetches for a first load: the page, its /assets/ files, the charts' JSON. */
function subresources(html: string): string[] {
  const found = new Set<string>();
  for (const m of html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"|data-lag-url="([^"]+)"/g)) {
    const path = m[1] ?? m[2];
    if (path) found.add(path.replaceAll("&amp;", "&"));
  }
  return [...found];
}

interface Weight {
  total: number;
  parts: { path: string; bytes: number; encoding: string | null }[];
}

async function firstLoad(base: string, path: string, acceptEncoding: string | null) {
  const page = await get(`${base}${path}`, acceptEncoding);
  if (page.status !== 200) throw new Error(`${path} answered ${page.status}`);
  const weight: Weight = {
    total: page.wireBytes,
    parts: [{ path, bytes: page.wireBytes, encoding: page.encoding }],
  };
  for (const sub of subresources(page.text)) {
    const res = await get(`${base}${sub}`, acceptEncoding);
    if (res.status !== 200) throw new Error(`${sub} answered ${res.status}`);
    weight.total += res.wireBytes;
    weight.parts.push({ path: sub, bytes: res.wireBytes, encoding: res.encoding });
  }
  return weight;
}

const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;

async function main() {
  const missing = ["wrk"].filter((tool) => !which(tool));
  if (missing.length) {
    console.log("lag-pages: skipped, wrk not installed (apt-get install -y wrk)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "floodgate-lag-pages-"));
  const reuse = values["database-url"];
  const db = reuse ? { url: reuse, drop: async () => {} } : await seededDatabase(dir);
  const port = Number(values.port);
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: db.url,
      FLOODGATE_DATA_DIR: dir,
      FLOODGATE_SCHEDULER: "off",
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  let missed = 0;
  try {
    await waitForHttp(`${base}/api/v1/channels`, 300_000);
    const pages = ["/", `/channels/${values.channel}`];
    console.log(
      `lag-pages: load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    for (const path of pages) {
      const cold = await get(`${base}${path}`, BROWSER_ENCODINGS);
      console.log(`  ${path}: first request after start ${cold.ms.toFixed(0)} ms (cold caches)`);
      for (const [label, accept] of [
        ["compressed", BROWSER_ENCODINGS],
        ["identity", null],
      ] as const) {
        const w = await firstLoad(base, path, accept);
        const ok = label === "identity" || w.total < GOAL_BYTES;
        if (!ok) missed++;
        const parts = w.parts
          .map((p) => `${p.path} ${kb(p.bytes)}${p.encoding ? ` ${p.encoding}` : ""}`)
          .join(", ");
        console.log(
          `  ${path} first load, ${label}: ${kb(w.total)}${label === "compressed" ? ` [< 200 KB: ${ok ? "met" : "MISSED"}]` : ""} (${parts})`,
        );
      }
    }
    const lagPath = `/api/v1/channels/${values.channel}/lag?days=90`;
    // A file served from memory with no work per request: what the machine allows at best.
    const overview = await get(`${base}/`, null);
    const baseline = /href="(\/assets\/style-[^"]+)"/.exec(overview.text)?.[1] ?? "/assets/none";
    const reference = [baseline, lagPath];
    for (const path of [baseline, ...pages, lagPath]) {
      const result = await wrk(`${base}${path}`, CONNECTIONS, SECONDS, {
        headers: { "Accept-Encoding": BROWSER_ENCODINGS },
      });
      const ok = result.p99Ms < GOAL_P99_MS && result.errors === 0;
      const goal = !reference.includes(path);
      if (!ok && goal) missed++;
      console.log(
        `  ${path} wrk -t1 -c${CONNECTIONS} -d${SECONDS}s: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}${goal ? ` [p99 < ${GOAL_P99_MS} ms: ${ok ? "met" : "MISSED"}]` : " (reference)"}`,
      );
    }
    console.log(
      `lag-pages: load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await stopChild(child);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (missed) process.exitCode = 1;
}

await main();
