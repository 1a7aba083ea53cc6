import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { simChannel } from "../../src/sim/sim-channels.ts";
import { BADGE_COLOURS } from "../../src/status/badges/badge-svg.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { parseBadge } from "../support/svg.ts";

const channels = [
  ...scenarioChannels,
  simChannel("nixos-unstable-small"),
  {
    name: "nixos-20.09",
    job: "nixos/release-20.09/tested",
    variant: "primary",
    status: "unmaintained",
    sourceBranch: "release-20.09",
    productJob: "nixos.channel",
  },
];

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000 - 60_000);

describe("/badges/{channel}.svg", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { channels });
    h.seedBranches();
    const advance = async (name: string, committed: Date, failing: Record<string, number> = {}) => {
      h.sim.github.model.commit("master", `work for ${name}`, committed);
      const ev = await h.sim.evaluate(h.channel(name));
      h.sim.hydra.model.finishEval(ev.evalId, failing);
      return (await tickChannel(h.deps, h.channel(name))).kind;
    };
    expect(await advance("nixpkgs-unstable", daysAgo(12))).toBe("advanced");
    expect(await advance("nixos-unstable", daysAgo(5))).toBe("advanced");
    const failing = { "nixos.tests.firewall.x86_64-linux": 1 };
    expect(await advance("nixos-unstable", daysAgo(0), failing)).toBe("blocked");
    expect(await advance("nixos-unstable-small", daysAgo(0))).toBe("advanced");
  });
  afterAll(() => h.close());

  const badge = async (name: string) => {
    const res = await h.app.request(`/badges/${name}.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d{1,3},/);
    return parseBadge(await res.text());
  };

  it("labels each channel with its revision's age, coloured by it, and says when it is blocked", async () => {
    expect(await badge("nixos-unstable-small")).toMatchObject({
      label: "nixos-unstable-small",
      message: expect.stringMatching(/^\d+ (seconds|minutes?)$/),
      colour: BADGE_COLOURS.green,
    });
    expect(await badge("nixos-unstable")).toMatchObject({
      message: "5 days · blocked",
      colour: BADGE_COLOURS.yellow,
    });
    expect(await badge("nixpkgs-unstable")).toMatchObject({
      message: "12 days",
      colour: BADGE_COLOURS.red,
    });
    expect(await badge("nixos-20.09")).toMatchObject({
      label: "nixos-20.09",
      message: "unmaintained",
      colour: BADGE_COLOURS.grey,
    });
  });

  it("answers 304 to its ETag and 404 for an unknown channel", async () => {
    const etag = (await h.app.request("/badges/nixos-unstable.svg")).headers.get("etag") ?? "";
    const again = await h.app.request("/badges/nixos-unstable.svg", {
      headers: { "If-None-Match": etag },
    });
    expect(again.status).toBe(304);
    expect((await h.app.request("/badges/nixos-nope.svg")).status).toBe(404);
  });
});
