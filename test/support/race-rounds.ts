import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { createDb } from "../../src/db/client.ts";
import { channels, releases } from "../../src/db/schema.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { seedChannelBranches, startCliWorld } from "./cli-world.ts";
import { runFloodgate, type ServeProcess, startServe } from "./floodgate-process.ts";

// Race test: two `floodgate tick` loops and two `floodgate serve` replicas (scheduler on, every
// second) on one PostgreSQL database, against the simulator, while master advances N times.
// Counted from the database, the simulated GitHub and the processes' own logs.

const specs = scenarioChannels.map((c) => ChannelSpec.parse(c));
const EVERY_SECOND = "* * * * * *";

export interface RaceReport {
  advances: number;
  /** Advances whose release every channel published within the wait. */
  published: number;
  /** Channel releases expected (advances × channels) and how many published rows there are. */
  expectedReleases: number;
  publishedRows: number;
  /** Releases some tick or scheduled run said it advanced to more than once. */
  doubleAdvances: string[];
  /** Branch updates (PATCH) per revision: any revision patched twice, any expected one never. */
  patches: number;
  doublePatches: string[];
  missingPatches: string[];
  /** Lease spans from the processes' "lease released" lines, and overlapping pairs per channel. */
  spans: number;
  spansByProcess: Record<string, number>;
  overlaps: string[];
  busyAnswers: number;
  tickRuns: number;
  /** Channels whose branch, pointer and served release disagree at the end. */
  disagreements: string[];
  seconds: number;
}

interface Span {
  channel: string;
  from: number;
  to: number;
  process: string;
}

interface Seen {
  spans: Span[];
  /** Releases a tick or a scheduled run said it advanced to ("already serves" not counted). */
  advancedTo: string[];
  busy: number;
}

/** The output of one process: its lease spans, busy answers and the releases it advanced to. */
function readLogs(process: string, text: string, seen: Seen): void {
  const { spans, advancedTo } = seen;
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) {
      // `floodgate tick` prints one summary line per channel.
      const m = /^\S+ advanced to (\S+)( \(resumed\))?$/.exec(line.trim());
      if (m?.[1]) advancedTo.push(m[1]);
      continue;
    }
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry.msg === "lease released" && typeof entry.heldFrom === "string") {
      const from = Date.parse(entry.heldFrom);
      spans.push({
        channel: String(entry.channel),
        from,
        to: from + Number(entry.heldMs),
        process,
      });
    }
    if (entry.msg === "channel busy") seen.busy += 1;
    if (entry.msg === "scheduled tick" && typeof entry.summary === "string") {
      const m = /^\S+ advanced to (\S+)( \(resumed\))?$/.exec(entry.summary);
      if (m?.[1]) advancedTo.push(m[1]);
    }
  }
}

function overlapsOf(spans: Span[]): string[] {
  const found: string[] = [];
  for (const spec of specs) {
    const mine = spans.filter((s) => s.channel === spec.name).sort((a, b) => a.from - b.from);
    for (let i = 1; i < mine.length; i++) {
      const [prev, next] = [mine[i - 1], mine[i]];
      if (prev && next && next.from < prev.to) {
        found.push(
          `${spec.name}: ${prev.process} held until ${new Date(prev.to).toISOString()}, ${next.process} from ${new Date(next.from).toISOString()}`,
        );
      }
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `advances` rounds: master moves, each channel's eval passes, and the round ends when every
 * channel serves the new release (or after `waitMs`). Needs FLOODGATE_TEST_DATABASE_URL.
 */
export async function runRace(opts: {
  advances: number;
  waitMs?: number;
  log?: (line: string) => void;
}): Promise<RaceReport> {
  const started = Date.now();
  const world = await startCliWorld("race", { FLOODGATE_LEASE_SECONDS: "30" });
  const channelsFile = join(world.dir, "every-second.json");
  writeFileSync(
    channelsFile,
    JSON.stringify({ channels: scenarioChannels.map((c) => ({ ...c, schedule: EVERY_SECOND })) }),
  );
  const env: Record<string, string> = { ...world.env, FLOODGATE_CHANNELS: channelsFile };
  const db = createDb(env.DATABASE_URL ?? "");
  const seen: Seen = { spans: [], advancedTo: [], busy: 0 };
  const serves: ServeProcess[] = [];
  let stopping = false;
  let tickRuns = 0;
  const tickLoop = async (name: string) => {
    while (!stopping) {
      const run = await runFloodgate(["tick"], env);
      tickRuns += 1;
      readLogs(name, `${run.stdout}\n${run.stderr}`, seen);
      await sleep(100);
    }
  };
  const expected: { channel: string; revision: string; release: string }[] = [];
  let published = 0;
  try {
    seedChannelBranches(world.sim);
    // Migrated once before the replicas start (concurrent migrations are another test's subject).
    const migrated = await runFloodgate(["migrate"], env);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    serves.push(await startServe({ ...env, FLOODGATE_SCHEDULER: "on" }));
    serves.push(await startServe({ ...env, FLOODGATE_SCHEDULER: "on" }));
    const loops = [tickLoop("tick-a"), tickLoop("tick-b")];
    for (let round = 1; round <= opts.advances; round++) {
      world.sim.github.model.commit("master", `race round ${round}`);
      const evals = [];
      for (const spec of specs) {
        const ev = await world.sim.evaluate(spec);
        world.sim.hydra.model.finishEval(ev.evalId);
        evals.push({ channel: spec.name, revision: ev.revision, release: ev.releaseName });
      }
      expected.push(...evals);
      const deadline = Date.now() + (opts.waitMs ?? 60_000);
      let done = false;
      while (!done && Date.now() < deadline) {
        const current = await db.db
          .select({ name: channels.name, revision: releases.revision })
          .from(channels)
          .innerJoin(releases, eq(releases.id, channels.currentReleaseId));
        done = evals.every((e) =>
          current.some((c) => c.name === e.channel && c.revision === e.revision),
        );
        if (!done) await sleep(200);
      }
      if (done) published += 1;
      opts.log?.(`round ${round}/${opts.advances}: ${done ? "published" : "NOT published"}`);
    }
    stopping = true;
    await Promise.all(loops);
    for (const [i, serve] of serves.splice(0).entries()) {
      await serve.stop("SIGTERM");
      readLogs(i === 0 ? "serve-a" : "serve-b", serve.output(), seen);
    }
    return await summarize();
  } finally {
    stopping = true;
    for (const serve of serves) await serve.stop("SIGKILL");
    await db.close();
    await world.close();
  }

  async function summarize(): Promise<RaceReport> {
    const { spans, advancedTo } = seen;
    const counts = new Map<string, number>();
    for (const r of advancedTo) counts.set(r, (counts.get(r) ?? 0) + 1);
    // octokit sends the ref as one encoded segment (heads%2F<branch>). Attempts are counted, not
    // only the ones GitHub took: a second PATCH of a revision means two advancers got that far.
    const patches = world.sim.github.requests
      .filter((r) => r.method === "PATCH")
      .map((r) => ({ ...r, path: decodeURIComponent(r.path) }))
      .filter((r) => r.path.includes("/git/refs/heads/"));
    let publishedRows = 0;
    const disagreements: string[] = [];
    for (const spec of specs) {
      const rows = await db.db
        .select({ name: releases.name })
        .from(releases)
        .where(and(eq(releases.channel, spec.name), eq(releases.state, "published")));
      publishedRows += rows.length;
      const last = expected.filter((e) => e.channel === spec.name).at(-1);
      const branch = world.sim.github.model.branchHead(spec.branch);
      if (last && branch !== last.revision) {
        disagreements.push(`${spec.name}: branch at ${branch}, last release ${last.revision}`);
      }
    }
    const spansByProcess: Record<string, number> = {};
    for (const s of spans) spansByProcess[s.process] = (spansByProcess[s.process] ?? 0) + 1;
    // Both channels publish the same revision: a PATCH per channel branch and revision.
    const patchKey = (p: (typeof patches)[number]) =>
      `${p.path.split("/git/refs/heads/")[1] ?? "?"}@${(p.body as { sha?: string } | null)?.sha ?? "?"}`;
    const perBranch = new Map<string, number>();
    for (const p of patches) perBranch.set(patchKey(p), (perBranch.get(patchKey(p)) ?? 0) + 1);
    return {
      advances: opts.advances,
      published,
      expectedReleases: expected.length,
      publishedRows,
      doubleAdvances: [...counts].filter(([, n]) => n > 1).map(([r, n]) => `${r} ×${n}`),
      patches: patches.length,
      doublePatches: [...perBranch].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`),
      missingPatches: expected
        .filter((e) => !perBranch.has(`${encodeURIComponent(e.channel)}@${e.revision}`))
        .map((e) => `${e.channel}@${e.revision.slice(0, 12)}`),
      spans: spans.length,
      spansByProcess,
      overlaps: overlapsOf(spans),
      busyAnswers: seen.busy,
      tickRuns,
      disagreements,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  }
}
