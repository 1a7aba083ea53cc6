import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";

interface Landing {
  channel: string;
  status: string;
  evalRunning?: { evalId: number | null; url: string | null } | null;
}

describe("has my commit's eval started?", () => {
  let h: Harness;
  // floodgate runs an hour behind the simulator's wall clock, so each step is clearly ordered.
  let now = new Date(Date.now() - 3_600_000);
  beforeEach(async () => {
    now = new Date(Date.now() - 3_600_000);
    h = await startHarness({}, { clock: { now: () => now } });
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const later = (minutes: number) => {
    now = new Date(now.getTime() + minutes * 60_000);
  };
  async function landing(sha: string): Promise<Landing | undefined> {
    const body = (await (await h.app.request(`/api/v1/commits/${sha}`)).json()) as {
      channels: Landing[];
    };
    return body.channels.find((c) => c.channel === "nixos-unstable");
  }

  it("says a building eval contains a commit once Hydra checked master after it was pushed", async () => {
    h.seedBranches();
    const first = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(first.evalId);
    expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");

    const fix = h.sim.github.model.commit("master", "nixos/firewall: fix reload");
    later(20);
    await tickChannel(h.deps, nixos());
    expect(await landing(fix)).toMatchObject({ status: "pending", evalRunning: null });

    await h.sim.evaluate(nixos());
    later(20); // past the jobset overview's cache
    await tickChannel(h.deps, nixos());
    expect(await landing(fix)).toMatchObject({
      status: "pending",
      evalRunning: {
        evalId: null,
        url: `${h.config.hydraUrl}/jobset/nixos/unstable#tabs-evaluations`,
      },
    });
    const page = await (await h.app.request(`/commits/${fix}`)).text();
    expect(page).toContain("the newest Hydra eval");
  });
});
