import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { releaseCommits, releases } from "../../src/db/schema.ts";
import { githubFaults } from "../../src/sim/github-faults.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type LoopbackServer, serveOnLoopback } from "../../src/sim/serve.node.ts";
import { simChannel } from "../../src/sim/sim-channels.ts";
import { DEGRADED_ANSWER_TTL_MS } from "../../src/status/landings/answer-cache.ts";
import { OUTAGE_HOLD_MS } from "../../src/status/landings/upstream-outage.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const HOUR = 3_600_000;
const T0 = new Date("2026-03-01T00:00:00Z").getTime();
const nixosUnstable = scenarioChannels.find((c) => c.name === "nixos-unstable");
const CHANNELS = [simChannel("nixos-unstable-small"), nixosUnstable];
const SMALL = "nixos-unstable-small";
const UNSTABLE = "nixos-unstable";

interface Answer {
  status: number;
  body: {
    partial?: { code: string; message: string; retryAfterSeconds: number | null };
    channels?: { channel: string; status: string; release?: { name: string } | null }[];
    chain?: { node: string; kind: string; status: string }[];
    error?: { code: string };
  };
}

/**
 * GitHub down or rate limited while people look commits up, over HTTP against the simulator: the
 * answers come from what floodgate recorded, marked partial with the reason; an outage costs one
 * failing GitHub request per hold, not one per lookup; GitHub back, the answers are whole again.
 */
describe("lookups while GitHub cannot be asked", () => {
  let h: Harness;
  let server: LoopbackServer;
  let nowMs = T0;
  let recorded: string; // in both channels' recorded landings
  let unrecorded: string; // in a small release whose landing rows were lost
  let onMaster: string; // on master only
  let smallRelease: string;

  const model = () => h.sim.github.model;
  async function release(name: string): Promise<string> {
    const ev = await h.sim.evaluate(h.channel(name));
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, h.channel(name))).toMatchObject({ kind: "advanced" });
    return ev.releaseName;
  }
  async function lookup(path: string): Promise<Answer> {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, body: (await res.json()) as Answer["body"] };
  }
  const byChannel = (a: Answer) =>
    Object.fromEntries((a.body.channels ?? []).map((c) => [c.channel, c]));
  const githubRequests = () => h.sim.github.requests.length;

  beforeAll(async () => {
    h = await startHarness(
      // One client asks everything here; its own allowance is not what is tested.
      { FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: "100000" },
      { channels: CHANNELS, clock: { now: () => new Date(nowMs) } },
    );
    server = await serveOnLoopback(h.app);
    h.seedBranches();
    recorded = model().commit("master", "recorded: in both channels");
    await release(SMALL);
    await release(UNSTABLE);
    nowMs += HOUR;
    unrecorded = model().commit("master", "unrecorded: its landing rows are lost");
    expect((await tickChannel(h.deps, h.channel(SMALL))).kind).toBe("idle"); // first seen now
    nowMs += HOUR;
    model().commit("master", "the next push");
    smallRelease = await release(SMALL);
    // As when a release brought more commits than floodgate records (MAX_LANDED_COMMITS).
    const [small] = await h.deps.db
      .select({ id: releases.id })
      .from(releases)
      .where(eq(releases.name, smallRelease));
    await h.deps.db
      .delete(releaseCommits)
      .where(and(eq(releaseCommits.releaseId, small?.id ?? 0), eq(releaseCommits.sha, unrecorded)));
    nowMs += HOUR;
    onMaster = model().commit("master", "on master only");
    expect((await tickChannel(h.deps, h.channel(SMALL))).kind).toBe("idle");
    // A whole answer first, which also records the commit's PRs (none) for later lookups; the
    // others are first asked about during the outage (an answer keeps GitHub's compares a day).
    const answer = await lookup(`/api/v1/commits/${recorded}`);
    expect(answer.status).toBe(200);
    expect(answer.body.partial).toBeUndefined();
    await h.deps.lookupWrites.settled();
    nowMs += 60_000; // past the answers' cache
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  it("answers from recorded history, marked partial, and asks GitHub once per outage hold", async () => {
    h.sim.github.faults.add({ path: /./, ...githubFaults.badGatewayHtml, times: 1_000 });
    const before = githubRequests();
    // The first lookup that needs GitHub finds it down…
    expect((await lookup(`/api/v1/commits/${onMaster}`)).body.partial).toBeDefined();
    expect(githubRequests() - before).toBe(1);
    // …and 60 more lookups, concurrent, of 4 commits by sha and prefix, do not ask it again.
    const paths = [onMaster, unrecorded, recorded, "f".repeat(40)].flatMap((sha) =>
      [sha, sha.slice(0, 7)].map((s) => `/api/v1/commits/${s}`),
    );
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => lookup(paths[i % paths.length] ?? "")),
    );
    expect(githubRequests() - before).toBe(1);

    const [master, masterPrefix, moved, movedPrefix, known, knownPrefix, unknown] = answers;
    // Not one error for a commit floodgate knows; an unknown sha cannot be answered at all.
    const statuses = new Set(answers.map((a, i) => `${paths[i % paths.length]} ${a.status}`));
    expect([...statuses].sort()).toEqual(
      paths.map((p) => `${p} ${p.includes("/fffffff") ? 502 : 200}`).sort(),
    );
    expect(unknown?.body.error?.code).toBe("GITHUB_HTTP_5XX");
    for (const a of [master, masterPrefix, moved, movedPrefix]) {
      expect(a?.status).toBe(200);
      expect(a?.body.partial).toMatchObject({ code: "GITHUB_HTTP_5XX", retryAfterSeconds: null });
    }
    expect(byChannel(master as Answer)).toEqual({
      [SMALL]: { channel: SMALL, status: "unknown", reason: expect.stringMatching(/GitHub/) },
      [UNSTABLE]: { channel: UNSTABLE, status: "unknown", reason: expect.stringMatching(/GitHub/) },
    });
    // First seen on master: that node is known without GitHub.
    expect(master?.body.chain?.[0]).toMatchObject({ node: "master", status: "landed" });
    // The small release's revision was first seen on master after it: that release has it.
    expect(byChannel(moved as Answer)[SMALL]).toMatchObject({
      status: "landed",
      release: { name: smallRelease },
      note: expect.stringMatching(/recorded/),
    });
    expect(byChannel(moved as Answer)[UNSTABLE]).toMatchObject({ status: "unknown" });
    // Recorded landings need no GitHub: whole.
    for (const a of [known, knownPrefix]) {
      expect(a?.status).toBe(200);
      expect(a?.body.partial).toBeUndefined();
      expect(Object.values(byChannel(a as Answer)).map((c) => c.status)).toEqual([
        "landed",
        "landed",
      ]);
    }

    // Within the hold nothing reaches GitHub, whatever is asked.
    nowMs += OUTAGE_HOLD_MS - 1;
    await lookup(`/api/v1/commits/${"e".repeat(40)}`);
    const page = await fetch(`${server.url}/commits/${onMaster}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Partial answer/);
    expect(githubRequests() - before).toBe(1);
  });

  it("after the hold one lookup probes GitHub; once it is back the answers are whole", async () => {
    nowMs += Math.max(OUTAGE_HOLD_MS, DEGRADED_ANSWER_TTL_MS);
    const before = githubRequests();
    const probed = await Promise.all(
      [onMaster, unrecorded].map((sha) => lookup(`/api/v1/commits/${sha}`)),
    );
    expect(probed.map((a) => a.body.partial?.code)).toEqual(["GITHUB_HTTP_5XX", "GITHUB_HTTP_5XX"]);
    expect(githubRequests() - before).toBe(1); // the probe; GitHub still down
    h.sim.github.faults.clear();
    nowMs += Math.max(OUTAGE_HOLD_MS, DEGRADED_ANSWER_TTL_MS);
    const whole = await lookup(`/api/v1/commits/${onMaster}`);
    expect(whole.status).toBe(200);
    expect(whole.body.partial).toBeUndefined();
    expect(byChannel(whole)[SMALL]).toMatchObject({ status: "pending" });
  });

  it("GitHub's rate limit: partial answers that say when to come back", async () => {
    nowMs += Math.max(OUTAGE_HOLD_MS, DEGRADED_ANSWER_TTL_MS);
    const fresh = model().commit("master", "pushed before the rate limit");
    expect((await tickChannel(h.deps, h.channel(SMALL))).kind).toBe("idle");
    const resetAt = new Date(Date.now() + 600_000);
    h.sim.github.faults.add({ path: /./, ...githubFaults.rateLimited(resetAt), times: 1_000 });
    const before = githubRequests();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => lookup(`/api/v1/commits/${fresh.slice(0, 9)}`)),
    );
    expect(githubRequests() - before).toBe(1);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.partial).toMatchObject({
        code: "LOOKUPS_PAUSED",
        retryAfterSeconds: expect.any(Number),
      });
    }
    h.sim.github.faults.clear();
  });
});
