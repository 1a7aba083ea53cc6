import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { hydraBuilds, hydraEvals } from "../../src/db/schema.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { simChannel } from "../../src/sim/sim-channels.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { LOOKUP_ANSWER_TTL_MS } from "../../src/status/landings/answer-cache.ts";
import { OUTAGE_HOLD_MS } from "../../src/status/landings/upstream-outage.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const HOUR = 3_600_000;
const T0 = new Date("2026-03-01T00:00:00Z").getTime();
const hours = (h: number) => new Date(T0 + h * HOUR).toISOString();

const nixosUnstable = scenarioChannels.find((c) => c.name === "nixos-unstable");
const CHANNELS = [simChannel("nixos-unstable-small"), nixosUnstable];

interface Landing {
  channel: string;
  status: string;
  release?: { name: string; publishedAt: string } | null;
  behindBy?: number;
  evalRunning?: { evalId: number } | null;
  eta?: { kind: string; at?: string; medianIntervalSeconds?: number };
  note?: string;
}

describe("has my commit landed? (master → nixos-unstable-small → nixos-unstable)", () => {
  let h: Harness;
  let nowMs = T0;
  beforeEach(async () => {
    nowMs = T0;
    h = await startHarness({}, { channels: CHANNELS, clock: { now: () => new Date(nowMs) } });
  });
  afterEach(() => h.close());

  const small = () => h.channel("nixos-unstable-small");
  const unstable = () => h.channel("nixos-unstable");
  const model = () => h.sim.github.model;

  async function release(channel: "small" | "unstable"): Promise<SimEval> {
    const ev = await h.sim.evaluate(channel === "small" ? small() : unstable());
    h.sim.hydra.model.finishEval(ev.evalId);
    const outcome = await tickChannel(h.deps, channel === "small" ? small() : unstable());
    expect(outcome).toMatchObject({ kind: "advanced", release: ev.releaseName });
    return ev;
  }

  /** Small every 6 hours (0…24 h), unstable every 12 (0, 12, 24 h): enough history for a cadence. */
  async function history(): Promise<void> {
    h.seedBranches();
    for (let k = 0; k <= 4; k++) {
      nowMs = T0 + k * 6 * HOUR;
      model().commit("master", `work round ${k}`);
      await release("small");
      if (k % 2 === 0) await release("unstable");
    }
  }

  // What Hydra's recorder stores for an eval whose gate is still building.
  // What the tick's Hydra poll records; a lookup's answer is reused until the next tick, at most
  // LOOKUP_ANSWER_TTL_MS, so the clock moves past that (the tick itself is not run here).
  async function recordRunningGate(ev: SimEval, job: { project: string; jobset: string }) {
    nowMs += LOOKUP_ANSWER_TTL_MS;
    const fetchedAt = new Date(nowMs);
    await h.deps.db.insert(hydraEvals).values({
      id: ev.evalId,
      ...job,
      revision: ev.revision,
      hasNewBuilds: true,
      fetchedAt,
    });
    await h.deps.db.insert(hydraBuilds).values({
      id: ev.aggregateId,
      ...job,
      job: "tested",
      system: "x86_64-linux",
      nixname: ev.releaseName,
      finished: false,
      buildstatus: null,
      evalIds: [ev.evalId],
      fetchedAt,
    });
  }

  async function landings(sha: string): Promise<Record<string, Landing>> {
    const res = await h.app.request(`/api/v1/commits/${sha}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { commit: { sha: string }; channels: Landing[] };
    expect(body.commit.sha).toBe(sha);
    return Object.fromEntries(body.channels.map((c) => [c.channel, c]));
  }

  it("reports each stage, with an ETA from the channel's cadence before it lands", async () => {
    await history();
    nowMs = T0 + 25 * HOUR;
    const sha = model().commit("master", "hello: 2.13 -> 2.14");
    model().addPull({
      number: 4242,
      title: "hello: 2.13 -> 2.14",
      mergeCommitSha: sha,
      baseRef: "master",
    });
    expect((await tickChannel(h.deps, small())).kind).toBe("idle");

    // On master only: both channels one commit behind, nothing evaluating it yet.
    const onMaster = await landings(sha);
    expect(onMaster["nixos-unstable-small"]).toEqual({
      channel: "nixos-unstable-small",
      status: "pending",
      behindBy: 1,
      evalRunning: null,
      eta: expect.objectContaining({
        kind: "estimate",
        at: hours(36),
        medianIntervalSeconds: 6 * 3600,
      }),
    });
    expect(onMaster["nixos-unstable"]).toMatchObject({
      status: "pending",
      behindBy: 1,
      evalRunning: null,
      eta: { kind: "estimate", at: hours(48), medianIntervalSeconds: 12 * 3600 },
    });
    const commit = await (await h.app.request(`/api/v1/commits/${sha.slice(0, 7)}`)).json();
    expect(commit.commit).toMatchObject({
      sha,
      firstSeen: { at: hours(25), branch: "master" },
    });
    expect(commit.pulls.map((p: { number: number }) => p.number)).toEqual([4242]);

    const page = await (await h.app.request(`/commits/${sha}`)).text();
    expect(page).toMatch(
      /not yet<\/td><td>1 commit\(s\) behind; no running Hydra eval contains it yet; expected around 2026-03-02T12:00:00.000Z/,
    );
    expect(page).toContain('<a href="/prs/4242">#4242</a>');

    // Hydra evaluates it for the small channel: the ETA is the next slot.
    const smallEval = await h.sim.evaluate(small());
    await recordRunningGate(smallEval, { project: "nixos", jobset: "unstable-small" });
    expect((await landings(sha))["nixos-unstable-small"]).toMatchObject({
      status: "pending",
      evalRunning: { evalId: smallEval.evalId },
      eta: { kind: "estimate", at: hours(30) },
    });

    // nixos-unstable-small publishes it.
    nowMs = T0 + 30 * HOUR;
    h.sim.hydra.model.finishEval(smallEval.evalId);
    expect(await tickChannel(h.deps, small())).toMatchObject({ kind: "advanced" });
    const inSmall = await landings(sha);
    expect(inSmall["nixos-unstable-small"]).toEqual({
      channel: "nixos-unstable-small",
      status: "landed",
      release: {
        name: smallEval.releaseName,
        publishedAt: hours(30),
        url: `http://floodgate.test/releases/nixos/unstable-small/${smallEval.releaseName}`,
      },
    });
    expect(inSmall["nixos-unstable"]).toMatchObject({
      status: "pending",
      eta: { kind: "estimate", at: hours(48) },
    });

    // nixos-unstable publishes it too.
    nowMs = T0 + 36 * HOUR;
    const unstableEval = await release("unstable");
    const inBoth = await landings(sha);
    expect(inBoth["nixos-unstable"]).toMatchObject({
      status: "landed",
      release: { name: unstableEval.releaseName, publishedAt: hours(36) },
    });
    expect(inBoth["nixos-unstable-small"]).toMatchObject({ status: "landed" });

    const pr = await (await h.app.request("/api/v1/prs/4242")).json();
    expect(pr.pull).toMatchObject({ number: 4242, merged: true, mergeCommitSha: sha });
    expect(pr.channels.map((c: Landing) => [c.channel, c.status, c.release?.name])).toEqual([
      ["nixos-unstable-small", "landed", smallEval.releaseName],
      ["nixos-unstable", "landed", unstableEval.releaseName],
    ]);
  });

  it("says unknown without enough history, and not-on-branch for another branch's commit", async () => {
    const seed = h.seedBranches();
    await release("small");
    const sha = model().commit("master", "firefox: 146.0 -> 146.0.1");
    model().createBranch("release-26.05", seed);
    const backport = model().commit("release-26.05", "firefox: 146.0 -> 146.0.1 [backport]");
    const report = await landings(sha);
    expect(report["nixos-unstable-small"]).toMatchObject({
      status: "pending",
      eta: {
        kind: "unknown",
        reason: "1 published release(s); 3 are needed to estimate a cadence",
      },
    });
    expect(report["nixos-unstable"]).toEqual({ channel: "nixos-unstable", status: "no-release" });
    expect((await landings(backport))["nixos-unstable-small"]).toEqual({
      channel: "nixos-unstable-small",
      status: "not-on-branch",
      sourceBranch: "master",
      eta: {
        kind: "unknown",
        reason: "master is not downstream of where the change entered; it may never get it",
      },
    });
    // The seed was in the channel branch before floodgate's first release.
    expect((await landings(seed))["nixos-unstable-small"]).toMatchObject({
      status: "landed",
      release: null,
      note: expect.stringMatching(/before the first release/),
    });
  });
});

describe("commit and PR lookups: errors and pages", () => {
  let h: Harness;
  let seed: string;
  let nowMs = Date.now();
  beforeAll(async () => {
    h = await startHarness({}, { channels: CHANNELS, clock: { now: () => new Date(nowMs) } });
    seed = h.seedBranches();
  });
  afterAll(() => h.close());

  it("answers malformed input with 400 and unknown commits or PRs with 404", async () => {
    const cases: [string, number, string][] = [
      ["/api/v1/commits/not-a-sha", 400, "BAD_REQUEST"],
      ["/api/v1/commits/abc12", 400, "BAD_REQUEST"],
      [`/api/v1/commits/${"f".repeat(40)}`, 404, "NOT_FOUND"],
      ["/api/v1/prs/abc", 400, "BAD_REQUEST"],
      ["/api/v1/prs/0", 400, "BAD_REQUEST"],
      ["/api/v1/prs/99999999999", 400, "BAD_REQUEST"],
      ["/api/v1/prs/31337", 404, "NOT_FOUND"],
    ];
    for (const [path, status, code] of cases) {
      const res = await h.app.request(path);
      expect([path, res.status]).toEqual([path, status]);
      const body = await res.json();
      expect(body.error).toMatchObject({ code, message: expect.any(String) });
    }
    expect((await h.app.request("/commits/zzz")).status).toBe(400);
    expect((await h.app.request("/prs/31337")).status).toBe(404);
  });

  it("answers 502 when GitHub fails, naming the upstream error", async () => {
    h.sim.github.faults.add({ path: /\/commits\/e{40}\b/, status: 500, body: {}, times: 10 });
    const res = await h.app.request(`/api/v1/commits/${"e".repeat(40)}`);
    expect(res.status).toBe(502);
    expect((await res.json()).error).toMatchObject({ code: "GITHUB_HTTP_5XX" });
    // Lookups hold off GitHub for a while after it failed them (upstream-outage.ts).
    nowMs += OUTAGE_HOLD_MS;
  });

  it("reports an open PR as not merged, and escapes what GitHub says on the page", async () => {
    const title = '<script>alert("landed")</script>';
    h.sim.github.model.addPull({ number: 7, title, mergeCommitSha: null, baseRef: "master" });
    const pr = await (await h.app.request("/api/v1/prs/7")).json();
    expect(pr).toMatchObject({
      pull: { number: 7, merged: false, state: "open" },
      commit: null,
      channels: [],
    });
    const page = await (await h.app.request("/prs/7")).text();
    expect(page).not.toContain("<script>");
    expect(page).toContain("&lt;script&gt;");
    expect(page).toContain("Not merged");
  });

  it("links the lookup from the status page and sends the form to the right page", async () => {
    const sha = seed;
    expect(await (await h.app.request("/")).text()).toContain('action="/landed"');
    const go = async (q: string) =>
      (await h.app.request(`/landed?q=${encodeURIComponent(q)}`)).headers.get("location");
    expect(await go("#4242")).toBe("/prs/4242");
    expect(await go("https://github.com/NixOS/nixpkgs/pull/4242")).toBe("/prs/4242");
    expect(await go(sha.toUpperCase())).toBe(`/commits/${sha}`);
    expect((await h.app.request("/landed?q=what")).status).toBe(400);
    const page = await h.app.request(`/commits/${sha}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/no release yet/);
  });
});
