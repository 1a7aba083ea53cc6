import { tickAll } from "../../src/channels/tick-all.ts";
import type { ChannelSpec } from "../../src/config/channels-file.ts";
import type { TickOutcome } from "../../src/domain/tick-outcome.ts";
import { USER_AGENT } from "../../src/entry/runtime.node.ts";
import { createBinaryCache } from "../../src/publish/binary-cache.ts";
import { type ChaosKind, createChaos } from "../../src/sim/chaos.ts";
import { seededRandom } from "../../src/sim/hydra-json.ts";
import { serveOnLoopback } from "../../src/sim/serve.node.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { PAGE_STALE_AFTER_CHANGE_MS } from "../../src/status/routes/cached-pages.ts";
import { defaultNixOf, type GroundTruth, wrongAdvance, wrongBranchUpdates } from "./chaos-truth.ts";
import { type Harness, startHarness } from "./harness.ts";

export interface ChaosRunOptions {
  /** How long upstream misbehaves (and at least `minRounds` ticks). */
  chaosMs: number;
  minRounds?: number;
  /** How long floodgate gets to catch up once it stops. */
  recoveryMs: number;
  seed: number;
  rate: number;
  /** Channels in the channels file's shape; default the demo scenario's two. */
  channels?: unknown[];
  /** Called with a line after each round (the script prints them). */
  progress?: (line: string) => void;
}

export interface ChaosRunResult {
  chaosMs: number;
  rounds: number;
  evals: number;
  faults: Partial<Record<ChaosKind, number>>;
  faultsByUpstream: Record<string, number>;
  outcomes: Record<string, number>;
  advances: number;
  branchUpdates: number;
  wrong: string[];
  /** Ticks whose outcome the API or the page did not show right after. */
  unseen: string[];
  crashes: string[];
  /** Time from chaos off to every channel serving its newest eval; null: never within recoveryMs. */
  recoveryMs: number | null;
}

interface PlannedEval {
  spec: ChannelSpec;
  ev: SimEval;
  finishAt: number;
  plan: "pass" | "fail" | "restart";
}

/** A constituent the simulator can fail: a test or a package build, never the product job. */
const victimOf = (spec: ChannelSpec, ev: SimEval) =>
  Object.keys(ev.buildIds).find(
    (job) => /\.tests\.|^stdenv\./.test(job) && job !== spec.productJob,
  );

/**
 * floodgate (its ticks and its HTTP app) against a simulator whose Hydra, GitHub and binary cache
 * misbehave at random, while master moves on and Hydra evaluates, fails and restarts builds.
 */
export async function runChaos(opts: ChaosRunOptions): Promise<ChaosRunResult> {
  const chaos = createChaos({ seed: opts.seed, rate: opts.rate, enabled: false, timeoutMs: 8_000 });
  const h = await startHarness(
    { FLOODGATE_STEP_BACKOFF_SECONDS: "0.2", FLOODGATE_LEASE_SECONDS: "30" },
    {
      chaos,
      ...(opts.channels ? { channels: opts.channels } : {}),
      // The real client with a short timeout, so a hanging cache costs seconds, not a minute.
      deps: (sim) => ({
        binaryCache: createBinaryCache({
          baseUrl: sim.cache.url,
          userAgent: USER_AGENT,
          timeoutMs: 2_000,
          baseBackoffMs: 20,
        }),
      }),
    },
  );
  const server = await serveOnLoopback(h.app);
  const crashes: string[] = [];
  const onCrash = (err: unknown) => crashes.push(`unhandled: ${String(err)}`);
  process.on("unhandledRejection", onCrash);
  try {
    return await play(h, server.url, chaos, opts, crashes);
  } finally {
    process.off("unhandledRejection", onCrash);
    await server.close();
    await h.close();
  }
}

async function play(
  h: Harness,
  url: string,
  chaos: ReturnType<typeof createChaos>,
  opts: ChaosRunOptions,
  crashes: string[],
): Promise<ChaosRunResult> {
  const rand = seededRandom(opts.seed * 7919);
  const specs = h.deps.channels;
  const truth: GroundTruth = { evals: new Map(specs.map((s) => [s.name, []])) };
  const planned: PlannedEval[] = [];
  const restarts: { build: number; at: number }[] = [];
  const passes: { build: number; at: number }[] = [];
  const served = new Map<string, { name: string; revision: string } | null>();
  const result: ChaosRunResult = {
    chaosMs: opts.chaosMs,
    rounds: 0,
    evals: 0,
    faults: chaos.counts,
    faultsByUpstream: chaos.byUpstream,
    outcomes: {},
    advances: 0,
    branchUpdates: 0,
    wrong: [],
    unseen: [],
    crashes,
    recoveryMs: null,
  };
  h.seedBranches();
  let patchesSeen = 0;

  const evaluate = async (spec: ChannelSpec, plan: PlannedEval["plan"], finishAt: number) => {
    const ev = await h.sim.evaluate(spec);
    truth.evals.get(spec.name)?.push(ev);
    planned.push({ spec, ev, finishAt, plan });
    result.evals++;
  };

  const upstreamMoves = async (round: number) => {
    if (rand() < 0.7) h.sim.github.model.commit("master", `change ${round}`);
    for (const spec of specs) {
      const open = planned.filter((p) => p.spec === spec && p.finishAt >= round).length;
      if (open < 2 && rand() < 0.5) {
        const r = rand();
        await evaluate(
          spec,
          r < 0.6 ? "pass" : r < 0.8 ? "fail" : "restart",
          round + Math.floor(rand() * 3),
        );
      }
    }
    for (const p of planned.filter((q) => q.finishAt === round)) {
      const victim = victimOf(p.spec, p.ev);
      const failed = p.plan !== "pass" && victim ? { [victim]: 1 } : {};
      h.sim.hydra.model.finishEval(p.ev.evalId, failed);
      if (p.plan === "restart" && victim) {
        restarts.push({ build: p.ev.buildIds[victim] ?? 0, at: round + 2 });
      }
    }
    // A maintainer restarts the failed build; it stays pending one or two rounds, then passes.
    for (const r of restarts.filter((q) => q.at === round)) {
      h.sim.hydra.model.restartBuild(r.build);
      passes.push({ build: r.build, at: round + 1 + Math.floor(rand() * 2) });
    }
    for (const r of passes.filter((q) => q.at === round)) h.sim.hydra.model.finishBuild(r.build, 0);
  };

  const tickAndJudge = async () => {
    let outcomes: TickOutcome[] = [];
    try {
      outcomes = await tickAll(h.deps);
    } catch (err) {
      crashes.push(`tick threw: ${String(err)}`);
    }
    result.rounds++;
    for (const o of outcomes) {
      result.outcomes[o.kind] = (result.outcomes[o.kind] ?? 0) + 1;
      await checkShown(url, o, result);
    }
    for (const spec of specs) await judgeServed(h, url, spec, truth, served, result);
    const updates = wrongBranchUpdates(h.sim, truth, specs, patchesSeen);
    patchesSeen = h.sim.github.requests.length;
    result.branchUpdates += updates.checked;
    result.wrong.push(...updates.wrong);
  };

  const chaosUntil = Date.now() + opts.chaosMs;
  chaos.enabled = true;
  for (let round = 0; Date.now() < chaosUntil || round < (opts.minRounds ?? 0); round++) {
    await upstreamMoves(round);
    await tickAndJudge();
    opts.progress?.(progressLine(result, "chaos"));
  }
  chaos.enabled = false;
  const stopped = Date.now();
  h.sim.github.model.commit("master", "after the storm");
  const finals = new Map<string, SimEval>();
  for (const spec of specs) {
    const ev = await h.sim.evaluate(spec);
    truth.evals.get(spec.name)?.push(ev);
    h.sim.hydra.model.finishEval(ev.evalId);
    finals.set(spec.name, ev);
  }
  while (Date.now() - stopped < opts.recoveryMs) {
    await tickAndJudge();
    opts.progress?.(progressLine(result, "recovery"));
    if (specs.every((s) => served.get(s.name)?.name === finals.get(s.name)?.releaseName)) {
      result.recoveryMs = Date.now() - stopped;
      break;
    }
  }
  return result;
}

/**
 * The tick's outcome must be what the API says and the page shows: at once, or within the bound a
 * change of status alone may be answered from the previous rendering (a flip never is).
 */
async function checkShown(url: string, o: TickOutcome, result: ChaosRunResult) {
  if (o.kind === "busy") return;
  const deadline = Date.now() + PAGE_STALE_AFTER_CHANGE_MS + 1_000;
  while (!(await isShown(url, o))) {
    if (Date.now() > deadline) {
      result.unseen.push(`${o.channel} ${o.kind}: ${o.summary.slice(0, 160)}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function isShown(url: string, o: TickOutcome): Promise<boolean> {
  const api = (await (await fetch(`${url}/api/v1/channels/${o.channel}`)).json()) as {
    channel: { state: string; summary: string };
  };
  const page = await (await fetch(`${url}/channels/${o.channel}`)).text();
  const shownOnPage = page.includes(escapeHtml(o.summary).slice(0, 120));
  return api.channel.state === o.kind && api.channel.summary === o.summary && shownOnPage;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );

/** A channel whose served release changed: judged against the truth, and its files read back. */
async function judgeServed(
  h: Harness,
  url: string,
  spec: ChannelSpec,
  truth: GroundTruth,
  served: Map<string, { name: string; revision: string } | null>,
  result: ChaosRunResult,
) {
  const api = (await (await fetch(`${url}/api/v1/channels/${spec.name}`)).json()) as {
    channel: { release: { name: string; revision: string } | null };
  };
  const now = api.channel.release;
  const before = served.get(spec.name) ?? null;
  if (!now || now.name === before?.name) return;
  result.advances++;
  const wrong = wrongAdvance(h.sim, truth, spec, before?.revision ?? null, now);
  if (wrong) result.wrong.push(wrong);
  const revision = await (await fetchServed(url, `/${spec.name}/git-revision`)).text();
  const tarball = new Uint8Array(
    await (await fetchServed(url, `/${spec.name}/nixexprs.tar.xz`)).arrayBuffer(),
  );
  if (revision.trim() !== now.revision) {
    result.wrong.push(`${spec.name}: serves git-revision ${revision.slice(0, 40)} for ${now.name}`);
  }
  if (!defaultNixOf(tarball).includes(`hello from ${now.name}`)) {
    result.wrong.push(`${spec.name}: nixexprs.tar.xz of ${now.name} is not its eval's`);
  }
  served.set(spec.name, now);
}

/** A channel URL's file, following its redirect on this server (the public URL is not it). */
async function fetchServed(url: string, path: string): Promise<Response> {
  const redirect = await fetch(`${url}${path}`, { redirect: "manual" });
  const location = redirect.headers.get("location");
  await redirect.body?.cancel();
  return fetch(`${url}${new URL(location ?? path, url).pathname}`);
}

function progressLine(r: ChaosRunResult, phase: string): string {
  const faults = Object.values(r.faults).reduce((a, b) => a + (b ?? 0), 0);
  return `${phase} round ${r.rounds}: evals ${r.evals}, faults ${faults}, advances ${r.advances}, wrong ${r.wrong.length}, unseen ${r.unseen.length}, crashes ${r.crashes.length}`;
}
