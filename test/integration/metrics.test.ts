import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { hydraBuilds } from "../../src/db/schema.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// .ci/run unpacks promtool from Debian's prometheus package and sets FLOODGATE_REQUIRE_PROMTOOL=1,
// so there this check cannot be skipped.
const PROMTOOL = ["/usr/local/bin/promtool", "/usr/bin/promtool"].find((p) => existsSync(p));
const havePromtool = PROMTOOL !== undefined;
if (!havePromtool && process.env.FLOODGATE_REQUIRE_PROMTOOL === "1") {
  throw new Error("promtool is missing: see .ci/run for how it is installed");
}

function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL ?? "promtool", ["check", "metrics"], (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    );
    child.stdin?.end(text);
  });
}

const HOUR = 3_600_000;
const FAILING = "nixos.tests.firewall.x86_64-linux";

describe("/metrics beyond channel-exporter", () => {
  let h: Harness;
  // Starts at the wall clock, which the simulated Hydra stamps builds with.
  let now = new Date();
  let greenStoppedAt: Date | null = null;
  let text = "";
  beforeAll(async () => {
    h = await startHarness({}, { clock: { now: () => now } });
    h.seedBranches();
    const nixos = h.channel("nixos-unstable");
    // The first tick sees master's commits while the eval is still building…
    const first = await h.sim.evaluate(nixos);
    expect((await tickChannel(h.deps, nixos)).kind).not.toBe("advanced");
    // …and the channel advances two hours later: each of them took 2 h.
    now = new Date(now.getTime() + 2 * HOUR);
    h.sim.hydra.model.finishEval(first.evalId);
    expect((await tickChannel(h.deps, nixos)).kind).toBe("advanced");
    const [green] = await h.deps.db
      .select()
      .from(hydraBuilds)
      .where(eq(hydraBuilds.id, first.aggregateId));
    greenStoppedAt = green?.stoppedAt ?? null;
    now = new Date(now.getTime() + 5 * HOUR);
    h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
    const failing = await h.sim.evaluate(nixos);
    h.sim.hydra.model.finishEval(failing.evalId, { [FAILING]: 1 });
    expect((await tickChannel(h.deps, nixos)).kind).toBe("blocked");
    text = await (await h.app.request("/metrics")).text();
  });
  afterAll(() => h.close());

  const sample = (line: string) => {
    const found = text.split("\n").find((l) => l.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };

  it("counts the failed constituents blocking each channel", () => {
    expect(sample('floodgate_channel_blocked_constituents{channel="nixos-unstable"}')).toBe(1);
    expect(sample('floodgate_channel_blocked_constituents{channel="nixpkgs-unstable"}')).toBe(0);
  });

  it("says how long ago the newest all-green eval finished", () => {
    const age = sample('floodgate_channel_last_green_eval_age_seconds{channel="nixos-unstable"}');
    // The failing eval after it does not count: the age is the first, green one's.
    const expected = Math.round((now.getTime() - (greenStoppedAt?.getTime() ?? 0)) / 1000);
    expect(age).toBe(expected);
    expect(expected).toBeGreaterThan(7 * 3_600 - 600);
    expect(text).not.toContain(
      'floodgate_channel_last_green_eval_age_seconds{channel="nixpkgs-unstable"}',
    );
  });

  it("histograms commit-to-channel latency: every released commit took two hours", () => {
    const metric = "floodgate_commit_to_channel_latency_seconds";
    const count = sample(`${metric}_count{channel="nixos-unstable"}`) ?? 0;
    expect(count).toBeGreaterThan(0);
    expect(sample(`${metric}_bucket{channel="nixos-unstable",le="3600"}`)).toBe(0);
    expect(sample(`${metric}_bucket{channel="nixos-unstable",le="10800"}`)).toBe(count);
    expect(sample(`${metric}_bucket{channel="nixos-unstable",le="+Inf"}`)).toBe(count);
    expect(sample(`${metric}_sum{channel="nixos-unstable"}`)).toBe(count * 7_200);
    expect(sample(`${metric}_count{channel="nixpkgs-unstable"}`)).toBe(0);
    expect(text).toContain(`# TYPE ${metric} histogram`);
  });

  it.skipIf(!havePromtool)("passes promtool check metrics", async () => {
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe("");
    expect(code).toBe(0);
  });
});
