import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Hono } from "hono";
import { tickChannel } from "../channels/tick-channel.ts";
import { loadConfig } from "../config/load-config.node.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { refreshBlockerIssues } from "../jobs/refresh-blocker-issues.ts";
import { jsonLogger } from "../log.ts";
import { demoScenario, scenarioChannels } from "../sim/scenario.ts";
import { serveOnLoopback } from "../sim/serve.node.ts";
import { startSimulator } from "../sim/simulator.node.ts";
import { playOperatorSteps } from "./demo-operator.node.ts";
import { openRuntime } from "./runtime.node.ts";

const MARK: Record<TickOutcome["kind"], string> = {
  advanced: "✔",
  blocked: "✖",
  idle: "·",
  error: "!",
  busy: "…",
};

export interface Demo {
  url: string;
  outcomes: { step: string; outcomes: TickOutcome[] }[];
  close(): Promise<void>;
}

/** Simulator + floodgate on the embedded default, playing the demo scenario; stays up until closed. */
export async function runDemo(opts: {
  port: number;
  dataDir: string;
  print: (line: string) => void;
}): Promise<Demo> {
  const dataDir = resolve(opts.dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const channelsFile = join(dataDir, "channels.json");
  writeFileSync(channelsFile, JSON.stringify({ channels: scenarioChannels }, null, 2));
  const sim = await startSimulator();
  const adminToken = randomBytes(16).toString("hex");

  let handler: (req: Request) => Response | Promise<Response> = () =>
    new Response("starting", { status: 503 });
  const front = new Hono().all("*", (c) => handler(c.req.raw));
  const server = await serveOnLoopback(front, opts.port);
  const config = loadConfig({
    ...sim.env,
    FLOODGATE_DATA_DIR: dataDir,
    FLOODGATE_CHANNELS: channelsFile,
    FLOODGATE_PUBLIC_URL: server.url,
    FLOODGATE_SCHEDULER: "off",
    FLOODGATE_ADMIN_TOKEN: `operator:${adminToken}`,
  });
  const logFile = createWriteStream(join(dataDir, "floodgate.log"));
  const rt = await openRuntime(
    config,
    jsonLogger((line) => logFile.write(`${line}\n`), { service: "floodgate" }),
    { command: "demo", waitMs: 0 },
  );
  handler = (req) => rt.app.fetch(req);

  const [nixos, nixpkgs] = config.channels;
  if (!nixos || !nixpkgs) throw new Error("demo channels missing");
  const played: Demo["outcomes"] = [];
  opts.print(
    `floodgate demo: simulated Hydra ${sim.hydra.url}, simulated GitHub ${sim.github.url}\n`,
  );
  for (const [i, step] of demoScenario({ nixos, nixpkgs }).entries()) {
    await step.act(sim);
    opts.print(`${i + 1}. ${step.title}`);
    const outcomes: TickOutcome[] = [];
    for (const spec of config.channels) outcomes.push(await tickChannel(rt.deps, spec));
    for (const o of outcomes) opts.print(`   ${MARK[o.kind]} ${o.summary}`);
    played.push({ step: step.title, outcomes });
  }
  // The tick (tickAll) stores the open channel-blocker issues; the demo ticks channel by channel.
  if (rt.deps.issues) {
    const { upstreamCache, issues, logger } = rt.deps;
    await refreshBlockerIssues({ upstreamCache, issues, logger, now: rt.deps.clock.now() });
  }
  const nixosSteps = await playOperatorSteps(
    {
      sim,
      deps: rt.deps,
      spec: nixos,
      url: server.url,
      token: adminToken,
      print: opts.print,
      mark: (o) => MARK[o.kind],
    },
    played.length + 1,
  );
  played.push({ step: "operator controls", outcomes: nixosSteps });
  opts.print(`
status page      ${server.url}/
JSON             ${server.url}/api/v1/channels
channel URL      ${server.url}/nixos-unstable
try it           nix-channel --add ${server.url}/nixos-unstable && nix-channel --update
admin token      ${adminToken} (Authorization: Bearer …; see README "Operator controls")
audit log        ${server.url}/api/v1/channels/nixos-unstable/audit
logs             ${join(dataDir, "floodgate.log")}`);
  return {
    url: server.url,
    outcomes: played,
    close: async () => {
      await server.close();
      await rt.close();
      await sim.close();
      logFile.end();
    },
  };
}

export async function demoCommand(
  env: Record<string, string | undefined>,
  print: (line: string) => void,
  opts: { exit: boolean },
): Promise<number> {
  const demo = await runDemo({
    port: Number(env.PORT ?? 3000),
    dataDir: join(env.FLOODGATE_DATA_DIR ?? "./.floodgate", "demo"),
    print,
  });
  if (!opts.exit) {
    print("\nserving until Ctrl-C");
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
  }
  await demo.close();
  return 0;
}
