/**
 * Load while ticking: `floodgate serve` (scheduler on, every channel ticked every 5 s) while the
 * simulator makes a new passing eval every few seconds, and wrk sends 200 connections for 60 s
 * over redirects, release files, pages and the JSON API (one wrk per path, the connections split
 * between them). Prints per path: requests, p99, errors by kind (socket errors, statuses); advances
 * during the load, serve's RSS before, at peak and after, and the machine's load average.
 * Run: npx tsx bench/load-while-ticking.ts [--seconds 60] [--connections 200]. Needs wrk.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ChannelSpec } from "../src/config/channels-file.ts";
import { scenarioChannels } from "../src/sim/scenario.ts";
import { startSimulator } from "../src/sim/simulator.node.ts";
import { startServe } from "../test/support/floodgate-process.ts";
import { STATUS_COUNTER_LUA, waitForHttp, which, wrk } from "./support/load-tools.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "200" },
    timeout: { type: "string", default: "10" },
  },
});
if (!which("wrk")) {
  console.log("load-while-ticking: skipped, wrk not installed (apt-get install -y wrk)");
  process.exit(0);
}
const connections = Number(values.connections);
const dir = mkdtempSync(join(tmpdir(), "floodgate-load-"));
const specs = scenarioChannels.map((c) => ChannelSpec.parse(c));
const channelsFile = join(dir, "channels.json");
const everyFiveSeconds = scenarioChannels.map((c) => ({ ...c, schedule: "*/5 * * * * *" }));
writeFileSync(channelsFile, JSON.stringify({ channels: everyFiveSeconds }));

const sim = await startSimulator();
sim.github.model.commit("master", "initial");
const start = sim.github.model.branchHead("master") ?? "";
for (const spec of specs) sim.github.model.createBranch(spec.branch, start);
const newEvals = async () => {
  sim.github.model.commit("master", `change ${Date.now()}`);
  for (const spec of specs) sim.hydra.model.finishEval((await sim.evaluate(spec)).evalId);
};
await newEvals();

const serve = await startServe({
  ...sim.env,
  FLOODGATE_DATA_DIR: join(dir, "data"),
  FLOODGATE_CHANNELS: channelsFile,
  FLOODGATE_SCHEDULER: "on",
  // Logs each second's longest event-loop stall over 200 ms (bench/support/loop-stalls.mjs).
  NODE_OPTIONS: `--import ${new URL("./support/loop-stalls.mjs", import.meta.url).pathname}`,
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const url = `http://127.0.0.1:${serve.port}`;
const rssMb = () => {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.child.pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kb) / 1024);
};
type Channel = { name: string; release: { name: string } | null };
const channelsNow = async () =>
  ((await (await fetch(`${url}/api/v1/channels`)).json()) as { channels: Channel[] }).channels;

/** serve's event-loop stalls during the load, and the ticks (lease spans) each long one fell in. */
function stallsDuring(output: string, from: number, to: number) {
  const lines = output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stalls = lines
    .filter((l) => l.msg === "loop stall" && Date.parse(String(l.t)) >= from)
    .filter((l) => Date.parse(String(l.t)) <= to + 2_000)
    .map((l) => ({ at: String(l.t), ms: Number(l.maxMs) }));
  const ticks = lines
    .filter((l) => l.msg === "lease released")
    .map((l) => ({
      channel: String(l.channel),
      from: Date.parse(String(l.heldFrom)),
      ms: Number(l.heldMs),
    }));
  const long = stalls.filter((s) => s.ms >= 1_000);
  return {
    loopStalls: {
      over200ms: stalls.length,
      over1s: long.length,
      over10s: stalls.filter((s) => s.ms >= 10_000).length,
      maxMs: Math.max(0, ...stalls.map((s) => s.ms)),
      longest: long
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((s) => ({
          ...s,
          duringTickOf: ticks
            .filter((t) => t.from <= Date.parse(s.at) && Date.parse(s.at) - s.ms <= t.from + t.ms)
            .map((t) => t.channel),
        })),
    },
  };
}

try {
  await waitForHttp(`${url}/api/v1/channels`, 180_000);
  // Both channels serve a release before the load starts, so every path below exists.
  for (let i = 0; (await channelsNow()).some((c) => !c.release); i++) {
    if (i > 120) throw new Error("no release within 4 minutes");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const first = await channelsNow();
  const release = first[0]?.release?.name ?? "";
  const paths = [
    "/nixos-unstable",
    "/nixpkgs-unstable/nixexprs.tar.xz",
    `/releases/nixos/unstable/${release}/git-revision`,
    `/releases/nixos/unstable/${release}/nixexprs.tar.xz`,
    "/",
    "/channels/nixos-unstable",
    "/api/v1/channels",
    "/api/v1/channels/nixpkgs-unstable",
    "/metrics",
  ];
  // One wrk per path, all at once, the connections split between them: p99 and errors per URL.
  const share = (i: number) =>
    Math.floor(connections / paths.length) + (i < connections % paths.length ? 1 : 0);
  const scriptOf = (path: string, i: number) => {
    const file = join(dir, `path-${i}.lua`);
    writeFileSync(
      file,
      `request = function()\n  return wrk.format("GET", ${JSON.stringify(path)})\nend\n${STATUS_COUNTER_LUA}`,
    );
    return file;
  };
  for (const path of paths) {
    const res = await fetch(`${url}${path}`, { redirect: "manual" });
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`${path}: ${res.status} before the load`);
  }
  const rssBefore = rssMb();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssMb());
  }, 1_000);
  const loadStart = Date.now();
  const producer = setInterval(() => void newEvals(), 6_000);
  const loads = await Promise.all(
    paths.map((path, i) =>
      wrk(url, share(i), Number(values.seconds), {
        script: scriptOf(path, i),
        timeoutSeconds: Number(values.timeout),
      }),
    ),
  );
  const loadEnd = Date.now();
  clearInterval(producer);
  clearInterval(sampler);
  const after = await channelsNow();
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const advances = sim.github.requests.filter(
    (r) => r.method === "PATCH" && r.status === 200,
  ).length;
  console.log(
    JSON.stringify(
      {
        command: `npx tsx bench/load-while-ticking.ts --seconds ${values.seconds} --connections ${values.connections}`,
        database: process.env.DATABASE_URL ? "PostgreSQL" : "PGlite",
        paths,
        loadAverage: loadavg().map((l) => +l.toFixed(2)),
        requestsPerSecond: Math.round(loads.reduce((sum, l) => sum + l.requestsPerSecond, 0)),
        errors: loads.reduce((sum, l) => sum + l.errors, 0),
        perPath: Object.fromEntries(
          paths.map((path, i) => {
            const l = loads[i];
            return [
              path,
              l && {
                connections: share(i),
                requestsPerSecond: l.requestsPerSecond,
                p99Ms: l.p99Ms,
                maxMs: l.maxMs,
                errors: l.errors,
                ...(l.errors ? { errorKinds: l.errorKinds } : {}),
                statuses: l.statuses,
              },
            ];
          }),
        ),
        branchUpdatesSinceStart: advances,
        releasesMovedDuringLoad: after.filter(
          (c) => c.release?.name !== first.find((f) => f.name === c.name)?.release?.name,
        ).length,
        rssMb: { before: rssBefore, peak: rssPeak, tenSecondsAfter: rssMb() },
        ...stallsDuring(serve.output(), loadStart, loadEnd),
      },
      null,
      2,
    ),
  );
} finally {
  await serve.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
