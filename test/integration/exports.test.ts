import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";

describe("exports for existing tools", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  async function advance() {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");
    return ev;
  }

  it("serves channel-exporter's metrics, and whether a channel is blocked", async () => {
    h.seedBranches();
    const ev = await advance();
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const failing = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(failing.evalId, { "nixos.tests.firewall.x86_64-linux": 1 });
    await tickChannel(h.deps, nixos());

    const res = await h.app.request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain(
      `channel_revision{channel="nixos-unstable",revision="${ev.revision}",status="rolling",variant="primary",current="1"} 1`,
    );
    expect(text).toMatch(/^channel_update_time\{channel="nixos-unstable"\} \d{10}$/m);
    expect(text).toContain('channel_current{channel="nixpkgs-unstable"} 1');
    expect(text).toContain('floodgate_channel_blocked{channel="nixos-unstable"} 1');
    expect(text).toContain('floodgate_channel_blocked{channel="nixpkgs-unstable"} 0');
    // A channel without a release has no revision sample rather than a made-up one.
    expect(text).not.toContain('channel_revision{channel="nixpkgs-unstable"');
    expect(text).toContain("# TYPE channel_revision gauge");
  });

  it("serves each advance as '<commit> <unix time>', oldest first", async () => {
    h.seedBranches();
    const first = await advance();
    h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
    const second = await advance();

    const res = await h.app.request("/history/nixos-unstable");
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines.map((l) => l.split(" ")[0])).toEqual([first.revision, second.revision]);
    const times = lines.map((l) => Number(l.split(" ")[1]));
    expect(times.every((t) => Math.abs(t - Date.now() / 1000) < 600)).toBe(true);
    expect(times[0]).toBeLessThanOrEqual(times[1] ?? 0);
    expect(await (await h.app.request("/history/nixpkgs-unstable")).text()).toBe("");
    expect((await h.app.request("/history/nixos-nope")).status).toBe(404);
  });
});
