import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickAll } from "../../src/channels/tick-all.ts";
import { CHANNEL_BLOCKER_LABEL } from "../../src/git/blocker-issues.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const MINUTE = 60_000;

describe("the channel-blocker banner", () => {
  let h: Harness;
  let now = new Date();
  const issueRequests = () => h.sim.github.requests.filter((r) => r.path.includes("/issues"));
  beforeAll(async () => {
    h = await startHarness({}, { clock: { now: () => now } });
    h.seedBranches();
    const model = h.sim.github.model;
    model.addIssue({
      number: 4711,
      title: "nixos-unstable: firefox <fails> to build",
      labels: [CHANNEL_BLOCKER_LABEL, "6.topic: nixos"],
    });
    model.addIssue({
      number: 4712,
      title: "stdenv bootstrap tools are broken on darwin",
      body: "This keeps nixpkgs-unstable from advancing.",
      labels: [CHANNEL_BLOCKER_LABEL],
    });
    model.addIssue({ number: 4713, title: "nixos-unstable: typo in the manual", labels: [] });
    model.addIssue({
      number: 4714,
      title: "nixos-unstable: fixed",
      labels: [CHANNEL_BLOCKER_LABEL],
    });
    model.closeIssue(4714);
    await tickAll(h.deps);
  });
  afterAll(() => h.close());

  const page = async (path: string) => (await h.app.request(path)).text();

  it("lists every open blocker on the overview, linked, escaped, with the channels it names", async () => {
    const overview = await page("/");
    expect(overview).toContain(
      '<a href="https://github.com/NixOS/nixpkgs/issues/4711">#4711: nixos-unstable: firefox &lt;fails&gt; to build</a> <small>(nixos-unstable)</small>',
    );
    expect(overview).toContain(
      "#4712: stdenv bootstrap tools are broken on darwin</a> <small>(nixpkgs-unstable)</small>",
    );
    expect(overview).not.toContain("#4713");
    expect(overview).not.toContain("#4714");
  });

  it("shows on a channel's page only the blockers that name it", async () => {
    const nixos = await page("/channels/nixos-unstable");
    expect(nixos).toContain("#4711");
    expect(nixos).not.toContain("#4712");
    const nixpkgs = await page("/channels/nixpkgs-unstable");
    expect(nixpkgs).toContain("#4712");
    expect(nixpkgs).not.toContain("#4711");
  });

  it("asks GitHub from the tick only, at most every 5 minutes, conditionally", async () => {
    expect(issueRequests()).toHaveLength(1);
    expect(issueRequests()[0]?.path).toContain(
      `labels=${encodeURIComponent(CHANNEL_BLOCKER_LABEL)}`,
    );
    await page("/");
    await page("/channels/nixos-unstable");
    now = new Date(now.getTime() + MINUTE);
    await tickAll(h.deps);
    expect(issueRequests()).toHaveLength(1);
    now = new Date(now.getTime() + 5 * MINUTE);
    await tickAll(h.deps);
    const [, second] = issueRequests();
    expect(second?.headers["if-none-match"]).toMatch(/^W\/"[0-9a-f]+"$/);
    expect(second?.status).toBe(304);
  });
});
