/**
 * Load while ticking: `floodgate serve` (scheduler on, every channel ticked every 5 s) while the
 * simulator makes a new passing eval every few seconds, and wrk sends 200 connections for 60 s
 * rotating over redirects, release files, pages and the JSON API. Prints requests, p99, errors
 * (socket errors + non-2xx/3xx), advances during the load and serve's RSS before, at peak and after.
 * Run: npx tsx bench/load-while-ticking.ts [--seconds 60] [--connections 200]. Needs wrk.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ChannelSpec } from "../src/config/channels-file.ts";
import { scenarioChannels } from "../src/sim/scenario.ts";
import { startSimulator } from "../src/sim/simulator.node.ts";
import { startServe } from "../test/support/floodgate-process.ts";
import { waitForHttp, which, wrk } from "./support/load-tools.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "200" },
  },
});
if (!which("wrk")) {
  console.log("load-while-ticking: skipped, wrk not installed (apt-get install -y wrk)");
  process.exit(0);
}
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
  const script = join(dir, "rotate.lua");
  writeFileSync(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(", ")}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n`,
  );
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
  const producer = setInterval(() => void newEvals(), 6_000);
  const load = await wrk(url, Number(values.connections), Number(values.seconds), {
    script,
    timeoutSeconds: 10,
  });
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
        requestsPerSecond: load.requestsPerSecond,
        p99Ms: load.p99Ms,
        errors: load.errors,
        branchUpdatesSinceStart: advances,
        releasesMovedDuringLoad: after.filter(
          (c) => c.release?.name !== first.find((f) => f.name === c.name)?.release?.name,
        ).length,
        rssMb: { before: rssBefore, peak: rssPeak, tenSecondsAfter: rssMb() },
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
