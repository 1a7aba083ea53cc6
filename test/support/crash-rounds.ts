import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { tickAll } from "../../src/channels/tick-all.ts";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { loadConfig } from "../../src/config/load-config.node.ts";
import { channels, releases } from "../../src/db/schema.ts";
import { openRuntime, type Runtime } from "../../src/entry/runtime.node.ts";
import { silentLogger } from "../../src/log.ts";
import { releaseIndexKey } from "../../src/publish/release-paths.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type CliWorld, seedChannelBranches, startCliWorld } from "./cli-world.ts";
import { checkServedRelease, type Get } from "./served-release.ts";

const BIN = new URL("../../bin/floodgate.js", import.meta.url).pathname;
export const crashChannel = ChannelSpec.parse(scenarioChannels[0]);
const CHANNEL = crashChannel.name;
/** Short, so the killed owner's lease runs out soon; long enough for a loaded machine's heartbeat. */
const LEASE_SECONDS = 4;
const RECOVERY_TICKS = 10;

/** Where the kill landed, read from the release row and storage right after it. */
export type KillPhase =
  | "before-publish"
  | "download-store"
  | "index-written"
  | "branch-update"
  | "flip"
  | "after-flip";

export interface RoundReport {
  round: number;
  release: string;
  killAfterMs: number;
  phase: KillPhase;
  /** Temp files in storage right after the kill, and after the restart and tick. */
  tempsAfterKill: number;
  tempsAfterRecovery: number;
  /** Whatever the channel served right after the kill, and after recovery, was whole. */
  servedAfterKill: "previous" | "new" | "none" | "broken";
  servedAfterRecovery: "new" | "other" | "broken";
  /** Branch head, channel pointer and served release name the same revision once the tick finished. */
  agree: boolean;
  /** Ticks (killed one included) that said they advanced the channel to this release. */
  advancedCount: number;
  backwards: boolean;
  recoveryTicks: number;
  recovered: boolean;
  problems: string[];
}

export interface CrashRig {
  world: CliWorld;
  /** The publish's duration from its first binary-cache request to exit, from an unkilled tick. */
  publishMs: number;
  /** Revisions the channel served, in order (never one older than the last). */
  servedRevCounts: number[];
  close(): Promise<void>;
}

const revCountOf = (release: string) => Number(/pre(\d+)\./.exec(release)?.[1] ?? -1);

function tempFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => (f.split("/").at(-1) ?? "").endsWith(".tmp")).length;
  } catch {
    return 0;
  }
}

function startTick(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [BIN, "tick", "--channel", CHANNEL], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  return { child, output: () => out };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

async function newPassingEval(world: CliWorld, round: number) {
  world.sim.github.model.commit("master", `crash round ${round}`);
  const ev = await world.sim.evaluate(crashChannel);
  world.sim.hydra.model.finishEval(ev.evalId);
  return ev;
}

/** A world with one release published by an unkilled tick, which also times a publish. */
export async function startCrashRig(prefix: string): Promise<CrashRig> {
  const world = await startCliWorld(prefix, {
    FLOODGATE_LEASE_SECONDS: String(LEASE_SECONDS),
    FLOODGATE_SCHEDULER: "off",
  });
  seedChannelBranches(world.sim);
  await newPassingEval(world, 0);
  const requestsBefore = world.sim.cache.requests.length;
  const tick = startTick(world.env);
  let firstDownload = 0;
  const watch = setInterval(() => {
    if (!firstDownload && world.sim.cache.requests.length > requestsBefore)
      firstDownload = Date.now();
  }, 5);
  await exited(tick.child);
  clearInterval(watch);
  if (tick.child.exitCode !== 0) throw new Error(`calibration tick failed: ${tick.output()}`);
  return {
    world,
    publishMs: Math.max(500, Date.now() - (firstDownload || Date.now())),
    servedRevCounts: [],
    close: () => world.close(),
  };
}

function openInProcess(world: CliWorld): Promise<Runtime> {
  const config = loadConfig(world.env);
  return openRuntime(config, silentLogger, { command: "crash-check", waitMs: 30_000 });
}

async function killPhase(rt: Runtime, release: string, downloads: boolean): Promise<KillPhase> {
  const [row] = await rt.deps.db
    .select()
    .from(releases)
    .where(and(eq(releases.channel, CHANNEL), eq(releases.name, release)));
  if (!row || (row.state === "pending" && !downloads)) return "before-publish";
  if (row.state === "files") return "branch-update";
  if (row.state === "branch") return "flip";
  if (row.state === "published") return "after-flip";
  const index = await rt.deps.store.head(releaseIndexKey(CHANNEL, release));
  return index ? "index-written" : "download-store";
}

/**
 * One round: a new passing eval, `floodgate tick` SIGKILLed at a random point of its publish,
 * then (in a fresh runtime on the same database and storage) a look at what is served, ticks until
 * the channel is not busy, and the checks the report counts.
 */
export async function crashRound(
  rig: CrashRig,
  round: number,
  random: () => number = Math.random,
): Promise<RoundReport> {
  const { world } = rig;
  const ev = await newPassingEval(world, round);
  const problems: string[] = [];
  // A slow PATCH widens the branch-update window, where a kill leaves GitHub moved but not the row.
  world.sim.github.faults.add({
    method: "PATCH",
    path: new RegExp(`/heads/${CHANNEL}$`),
    delayMs: Math.floor(random() * 400),
  });
  const requestsBefore = world.sim.cache.requests.length;
  const killAfterMs = Math.floor(random() * rig.publishMs * 1.15);
  const tick = startTick(world.env);
  await new Promise<void>((resolve) => {
    let killAt = 0;
    const watch = setInterval(() => {
      const done = tick.child.exitCode !== null;
      if (!killAt && world.sim.cache.requests.length > requestsBefore)
        killAt = Date.now() + killAfterMs;
      if (done || (killAt && Date.now() >= killAt)) {
        clearInterval(watch);
        tick.child.kill("SIGKILL");
        resolve();
      }
    }, 5);
  });
  await exited(tick.child);
  world.sim.github.faults.clear();
  const downloads = world.sim.cache.requests.length > requestsBefore;
  const storeDir = join(world.dir, "data", "releases");
  const tempsAfterKill = tempFiles(storeDir);
  const killedAdvanced = tick.output().includes(`advanced to ${ev.releaseName}`) ? 1 : 0;

  const rt = await openInProcess(world);
  const get: Get = async (path) => rt.app.request(path);
  let report: RoundReport;
  try {
    const phase = await killPhase(rt, ev.releaseName, downloads);
    const afterKill = await checkServedRelease(get, rt.deps.db, CHANNEL);
    if (afterKill.kind === "broken") problems.push(`after kill: ${afterKill.problem}`);
    const servedAfterKill =
      afterKill.kind !== "complete"
        ? afterKill.kind
        : afterKill.release === ev.releaseName
          ? "new"
          : "previous";
    let backwards = false;
    const served = (release: string) => {
      backwards ||= revCountOf(release) < (rig.servedRevCounts.at(-1) ?? 0);
      rig.servedRevCounts.push(revCountOf(release));
    };
    if (afterKill.kind === "complete") served(afterKill.release);

    let recoveryTicks = 0;
    let advancedCount = killedAdvanced;
    let recovered = false;
    while (!recovered && recoveryTicks < RECOVERY_TICKS) {
      recoveryTicks++;
      const [outcome] = await tickAll(rt.deps, CHANNEL);
      if (outcome?.kind === "advanced" && outcome.run.kind !== "already-current") {
        if (outcome.release === ev.releaseName) advancedCount++;
      }
      if (outcome?.kind === "busy") {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const [row] = await rt.deps.db.select().from(channels).where(eq(channels.name, CHANNEL));
      const [current] = row?.currentReleaseId
        ? await rt.deps.db.select().from(releases).where(eq(releases.id, row.currentReleaseId))
        : [];
      recovered = current?.name === ev.releaseName;
      if (!recovered) problems.push(`recovery tick ${recoveryTicks}: ${outcome?.summary}`);
    }
    const afterRecovery = await checkServedRelease(get, rt.deps.db, CHANNEL);
    if (afterRecovery.kind === "broken") problems.push(`after recovery: ${afterRecovery.problem}`);
    const servedAfterRecovery =
      afterRecovery.kind === "broken"
        ? "broken"
        : afterRecovery.kind === "complete" && afterRecovery.release === ev.releaseName
          ? "new"
          : "other";
    if (afterRecovery.kind === "complete") served(afterRecovery.release);
    const branchHead = world.sim.github.model.branchHead(crashChannel.branch);
    const agree = servedAfterRecovery === "new" && branchHead === ev.revision;
    if (!agree)
      problems.push(`branch ${branchHead?.slice(0, 12)}, release ${ev.revision.slice(0, 12)}`);
    if (advancedCount > 1) problems.push(`advanced to ${ev.releaseName} ${advancedCount} times`);
    report = {
      round,
      release: ev.releaseName,
      killAfterMs,
      phase,
      tempsAfterKill,
      tempsAfterRecovery: tempFiles(storeDir),
      servedAfterKill,
      servedAfterRecovery,
      agree,
      advancedCount,
      backwards,
      recoveryTicks,
      recovered,
      problems,
    };
  } finally {
    await rt.close();
  }
  return report;
}

/** The counts the crash script prints and the quick test asserts. */
export function summarizeRounds(reports: RoundReport[]) {
  const count = (f: (r: RoundReport) => boolean) => reports.filter(f).length;
  const phases: Record<string, number> = {};
  for (const r of reports) phases[r.phase] = (phases[r.phase] ?? 0) + 1;
  return {
    runs: reports.length,
    killPhases: phases,
    halfServed: count((r) => r.servedAfterKill === "broken" || r.servedAfterRecovery === "broken"),
    notServingNewAfterRecovery: count((r) => r.servedAfterRecovery !== "new"),
    branchAndReleaseDisagree: count((r) => !r.agree),
    publishedTwice: count((r) => r.advancedCount > 1),
    movedBackwards: count((r) => r.backwards),
    neverRecovered: count((r) => !r.recovered),
    tempFilesLeftAfterKill: reports.reduce((n, r) => n + r.tempsAfterKill, 0),
    tempFilesLeftAfterRestart: reports.reduce((n, r) => n + r.tempsAfterRecovery, 0),
    recoveryTicksMax: Math.max(0, ...reports.map((r) => r.recoveryTicks)),
  };
}
