import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickAll } from "../../src/channels/tick-all.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import {
  type AlertReceiver,
  DAY,
  HOUR,
  manualClock,
  startAlertReceiver,
} from "../support/alert-receiver.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const TESTS = [
  "nixos.tests.boot.uefiCdrom.x86_64-linux",
  "nixos.tests.firewall.x86_64-linux",
  "nixos.tests.installer.simple.x86_64-linux",
  "nixos.tests.networking.scripted.static.aarch64-linux",
];

describe("alerts derived from the channel's state changes", () => {
  let h: Harness;
  let slack: AlertReceiver;
  let clock: ReturnType<typeof manualClock>;
  beforeEach(async () => {
    slack = await startAlertReceiver();
    clock = manualClock();
    h = await startHarness(
      { SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/x` },
      { channels: [scenarioChannels[0]], clock },
    );
  });
  afterEach(async () => {
    await h.close();
    await slack.close();
  });

  const nixos = () => h.channel("nixos-unstable");
  /** What an operator's cron runs: one tick, then the alerts it produced go out. */
  const tick = () => tickAll(h.deps, "nixos-unstable");

  async function advanceToNewEval(): Promise<string> {
    h.sim.github.model.commit("master", `commit at ${clock.now().toISOString()}`);
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    const [outcome] = await tick();
    expect(outcome).toMatchObject({ kind: "advanced", release: ev.releaseName });
    return ev.releaseName;
  }

  it("sends one `blocked` per blocking eval while its constituents fail one after another", async () => {
    h.seedBranches();
    const first = await advanceToNewEval();
    expect(slack.texts()).toEqual([expect.stringMatching(`^nixos-unstable advanced to ${first}`)]);

    h.sim.github.model.commit("master", "firewall: break it");
    const ev = await h.sim.evaluate(nixos());
    for (const job of TESTS) {
      h.sim.hydra.model.finishBuild(ev.buildIds[job] ?? 0, 1, { failAggregates: true });
      const [outcome] = await tick();
      expect(outcome?.kind).toBe("blocked");
      clock.advance(10 * 60_000);
    }

    const texts = slack.texts().slice(1);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^nixos-unstable blocked/);
    expect(texts[0]).toContain(TESTS[0]);
    expect(texts[0]).not.toContain(TESTS[1]);
    const blocks = JSON.stringify(slack.delivered[1]?.body.blocks);
    expect(blocks).toContain(`${h.config.hydraUrl}/build/${ev.buildIds[TESTS[0] ?? ""]}`);
    expect(blocks).toContain("http://floodgate.test/channels/nixos-unstable");

    // The later failures are on the page, not in new messages.
    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    for (const job of TESTS) expect(page).toContain(job);

    const api = await (await h.app.request("/api/v1/alerts?channel=nixos-unstable")).json();
    expect(api.alerts.map((a: { kind: string; state: string }) => [a.kind, a.state])).toEqual([
      ["blocked", "sent"],
      ["advanced", "sent"],
    ]);

    // A day later, still blocked: one digest naming everything that fails now.
    clock.advance(DAY);
    await tick();
    await tick();
    const digests = slack.texts().slice(2);
    expect(digests).toHaveLength(1);
    for (const job of TESTS) expect(digests[0]).toContain(job);
  });

  it("alerts nothing for one transient Hydra 5xx; `pipeline-failed` after 3 in a row, once; then `recovered`", async () => {
    h.seedBranches();
    await advanceToNewEval();
    const failHydra = () =>
      h.sim.hydra.faults.add({
        path: /^\/job\/nixos\/unstable\/tested\/latest-finished/,
        status: 502,
        body: "<html>Bad Gateway</html>",
        times: 20,
      });

    failHydra();
    expect((await tick())[0]?.kind).toBe("error");
    h.sim.hydra.faults.clear();
    expect((await tick())[0]?.kind).toBe("idle");
    expect(slack.texts()).toHaveLength(1);

    for (let i = 0; i < 4; i++) {
      failHydra();
      expect((await tick())[0]?.kind).toBe("error");
      h.sim.hydra.faults.clear();
      clock.advance(10 * 60_000);
    }
    h.sim.hydra.faults.clear();
    await tick();
    await tick();
    const texts = slack.texts().slice(1);
    expect(texts).toEqual([
      expect.stringMatching(/^nixos-unstable pipeline failing: .*3 ticks in a row/),
      expect.stringMatching(/^nixos-unstable recovered/),
    ]);
  });

  it("sends `stuck` once past the rolling threshold, not on idle ticks, again after the cooldown", async () => {
    h.seedBranches();
    await advanceToNewEval();
    clock.advance(2 * DAY);
    await tick();
    expect(slack.texts()).toHaveLength(1);

    clock.advance(DAY + HOUR);
    await tick();
    await tick();
    clock.advance(HOUR);
    await tick();
    expect(slack.texts().slice(1)).toEqual([expect.stringMatching(/^nixos-unstable stuck/)]);

    clock.advance(12 * HOUR);
    await tick();
    expect(slack.texts().slice(1)).toEqual([
      expect.stringMatching(/^nixos-unstable stuck/),
      expect.stringMatching(/^nixos-unstable stuck/),
    ]);

    const release = await advanceToNewEval();
    await tick();
    expect(slack.texts().slice(3)).toEqual([
      expect.stringMatching(`^nixos-unstable advanced to ${release}`),
    ]);
  });
});

describe("alerts of operator actions", () => {
  it("sends one `admin` alert per action, naming who and why", async () => {
    const slack = await startAlertReceiver();
    const token = "0123456789abcdef0123456789abcdef";
    const h = await startHarness(
      { SLACK_WEBHOOK_URL: `${slack.url}/hook`, FLOODGATE_ADMIN_TOKEN: `alice:${token}` },
      { channels: [scenarioChannels[0]] },
    );
    try {
      const post = (action: string, body?: unknown) =>
        h.app.request(`/api/v1/channels/nixos-unstable/${action}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body ?? {}),
        });
      expect((await post("freeze", { reason: "mass rebuild <staging>" })).status).toBe(200);
      expect((await post("unfreeze")).status).toBe(200);
      await tickAll(h.deps, "nixos-unstable");
      expect(slack.texts()).toEqual([
        "nixos-unstable freeze by alice: mass rebuild &lt;staging&gt;",
        "nixos-unstable unfreeze by alice",
      ]);
    } finally {
      await h.close();
      await slack.close();
    }
  });
});
