import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliverPendingAlerts } from "../../src/alerts/deliver-alerts.ts";
import { tickAll } from "../../src/channels/tick-all.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { createDeps } from "../../src/entry/runtime.node.ts";
import { silentLogger } from "../../src/log.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import {
  type AlertReceiver,
  MINUTE,
  manualClock,
  startAlertReceiver,
} from "../support/alert-receiver.ts";
import { type Harness, startHarness } from "../support/harness.ts";

type ApiAlert = {
  kind: string;
  state: string;
  attempts: number;
  deliveries: Record<string, { state: string; status?: number; error?: string }>;
};

describe("alert delivery through the outbox", () => {
  let h: Harness;
  let slack: AlertReceiver;
  let hook: AlertReceiver;
  let clock: ReturnType<typeof manualClock>;
  beforeEach(async () => {
    slack = await startAlertReceiver();
    hook = await startAlertReceiver();
    clock = manualClock();
  });
  afterEach(async () => {
    await h.close();
    await slack.close();
    await hook.close();
  });

  async function start(env: Record<string, string> = {}, alerts?: Record<string, unknown>) {
    h = await startHarness(
      { SLACK_WEBHOOK_URL: `${slack.url}/services/x`, ...env },
      { channels: [scenarioChannels[0]], clock, channelsFile: alerts ? { alerts } : {} },
    );
    h.seedBranches();
  }
  const nixos = () => h.channel("nixos-unstable");

  /** A tick that records an `advanced` alert, without delivering it (the process dies here). */
  async function tickWithoutDelivery(): Promise<void> {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({ kind: "advanced" });
  }
  const alertsApi = async (): Promise<ApiAlert[]> =>
    (await (await h.app.request("/api/v1/alerts")).json()).alerts;

  it("delivers an alert recorded before a crash exactly once after the restart", async () => {
    await start();
    await tickWithoutDelivery();
    expect(slack.attempts).toBe(0);
    expect((await alertsApi()).map((a) => [a.kind, a.state])).toEqual([["advanced", "pending"]]);

    // The restarted process: new ports on the same database.
    const restarted = createDeps(h.config, h.deps.db, silentLogger, { clock });
    await deliverPendingAlerts(restarted);
    await deliverPendingAlerts(restarted);
    await tickAll(restarted, "nixos-unstable");
    expect(slack.texts()).toEqual([expect.stringMatching(/^nixos-unstable advanced to/)]);
    expect((await alertsApi()).map((a) => a.state)).toEqual(["sent"]);
  });

  it("loses nothing while Slack answers 500 for 10 minutes, and sends it once after", async () => {
    await start();
    slack.mode = { kind: "status", status: 500, body: "internal_error" };
    await tickWithoutDelivery();
    for (let t = 0; t < 10; t++) {
      await deliverPendingAlerts(h.deps);
      clock.advance(MINUTE);
    }
    expect(slack.attempts).toBeGreaterThan(3);
    expect(slack.delivered).toHaveLength(0);
    const [waiting] = await alertsApi();
    expect(waiting).toMatchObject({ kind: "advanced", state: "pending" });
    expect(waiting?.deliveries.slack?.error).toMatch(/500/);

    slack.mode = { kind: "ok" };
    clock.advance(10 * MINUTE);
    await deliverPendingAlerts(h.deps);
    await deliverPendingAlerts(h.deps);
    expect(slack.texts()).toEqual([expect.stringMatching(/^nixos-unstable advanced to/)]);
    expect((await alertsApi())[0]?.state).toBe("sent");
  });

  it("waits as long as a 429's Retry-After says before trying again", async () => {
    await start();
    slack.mode = { kind: "status", status: 429, body: "rate_limited", retryAfterSec: 120 };
    await tickWithoutDelivery();
    await deliverPendingAlerts(h.deps);
    const triedOnce = slack.attempts;
    expect(triedOnce).toBeGreaterThan(0);
    slack.mode = { kind: "ok" };
    clock.advance(MINUTE);
    await deliverPendingAlerts(h.deps);
    expect(slack.attempts).toBe(triedOnce);
    clock.advance(MINUTE + 1_000);
    await deliverPendingAlerts(h.deps);
    expect(slack.delivered).toHaveLength(1);
  });

  it.each([
    [404, "no_service"],
    [410, "channel_is_archived"],
    [400, "invalid_payload"],
  ])("records Slack's %i %s as failed and never retries it", async (status, body) => {
    await start();
    slack.mode = { kind: "status", status, body };
    await tickWithoutDelivery();
    await deliverPendingAlerts(h.deps);
    clock.advance(60 * MINUTE);
    await deliverPendingAlerts(h.deps);
    expect(slack.attempts).toBe(1);
    const [failed] = await alertsApi();
    expect(failed).toMatchObject({ state: "failed" });
    expect(failed?.deliveries.slack).toMatchObject({ state: "failed", status });
    expect(failed?.deliveries.slack?.error).toContain(body);
    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(page).toContain(body);
  });

  it("signs the generic JSON webhook and routes kinds to targets as the channels file says", async () => {
    await start(
      { FLOODGATE_WEBHOOK_URL: `${hook.url}/floodgate`, FLOODGATE_WEBHOOK_SECRET: "s3cret-s3cret" },
      { routes: [{ channels: ["nixos-unstable"], kinds: ["advanced"], targets: ["webhook"] }] },
    );
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    await tickAll(h.deps, "nixos-unstable");
    expect(slack.attempts).toBe(0);
    expect(hook.delivered).toHaveLength(1);
    const post = hook.delivered[0];
    expect(post?.body).toMatchObject({
      kind: "advanced",
      channel: "nixos-unstable",
      url: "http://floodgate.test/channels/nixos-unstable",
    });
    const mac = createHmac("sha256", "s3cret-s3cret")
      .update(post?.raw ?? "")
      .digest("hex");
    expect(post?.headers["x-floodgate-signature"]).toBe(`sha256=${mac}`);
  });
});
