import { eq, inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { hydraBuilds } from "../../src/db/schema.ts";
import { MAX_SINGLE_REFETCHES } from "../../src/hydra/record-constituents.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FAILING = "nixos.tests.firewall.x86_64-linux";
const TESTS = [
  "nixos.tests.boot.uefiCdrom.x86_64-linux",
  FAILING,
  "nixos.tests.installer.simple.x86_64-linux",
  "nixos.tests.networking.scripted.static.aarch64-linux",
  "nixos.iso_minimal.x86_64-linux",
];

describe("re-polling a gate's constituents", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.seedBranches();
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  /** Hydra paths asked during `fn`, without the cached jobset overview. */
  async function asked(fn: () => Promise<unknown>): Promise<string[]> {
    const before = h.sim.hydra.requests.length;
    await fn();
    return h.sim.hydra.requests
      .slice(before)
      .map((r) => r.path)
      .filter((p) => !p.startsWith("/api/jobsets"));
  }
  const tick = () => tickChannel(h.deps, nixos());
  const idleTick = [
    "/job/nixos/unstable/tested/latest-finished",
    expect.stringMatching(/^\/api\/latestbuilds\?nr=1&/),
  ];
  /** `/build/ID` of each job, in id order (the order constituents are re-polled in). */
  const buildPaths = (ev: SimEval, jobs: string[]) =>
    jobs
      .map((j) => ev.buildIds[j] ?? 0)
      .sort((a, b) => a - b)
      .map((id) => `/build/${id}`);

  /** Like Hydra: the first failure fails the gate at once while other constituents still build. */
  function failFast(ev: SimEval, failing: string, finished: string[]) {
    h.sim.hydra.model.finishBuild(ev.buildIds[failing] ?? 0, 1, { failAggregates: true });
    for (const job of finished) h.sim.hydra.model.finishBuild(ev.buildIds[job] ?? 0, 0);
  }

  it("asks for a few pending constituents one by one, and for finished ones never again", async () => {
    const ev = await h.sim.evaluate(nixos(), { constituents: TESTS });
    const [boot, , installer, networking, iso] = TESTS as [string, string, string, string, string];
    failFast(ev, FAILING, ["nixos.channel", boot, installer]);

    expect(await asked(tick)).toContain(`/build/${ev.aggregateId}/constituents`);
    expect(await asked(tick)).toEqual([...idleTick, ...buildPaths(ev, [iso, networking])]);

    h.sim.hydra.model.finishBuild(ev.buildIds[networking] ?? 0, 7);
    h.sim.hydra.model.finishBuild(ev.buildIds[iso] ?? 0, 0);
    let outcome: Awaited<ReturnType<typeof tick>> | undefined;
    expect(
      await asked(async () => {
        outcome = await tick();
      }),
    ).toEqual([...idleTick, ...buildPaths(ev, [iso, networking])]);
    expect(outcome?.summary).toBe(
      `nixos-unstable blocked: ${FAILING} failed, ${networking} timed out`,
    );
    expect(await asked(tick)).toEqual(idleTick);
  });

  it(`asks for the whole list when more than ${MAX_SINGLE_REFETCHES} are pending`, async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => `nixos.tests.t${i}.x86_64-linux`);
    const ev = await h.sim.evaluate(nixos(), { constituents: jobs });
    const [failing = "", ...rest] = jobs;
    const stillPending = rest.slice(0, MAX_SINGLE_REFETCHES + 1);
    failFast(ev, failing, ["nixos.channel", ...rest.slice(MAX_SINGLE_REFETCHES + 1)]);
    await tick();

    const list = `/build/${ev.aggregateId}/constituents`;
    expect(await asked(tick)).toEqual([...idleTick, list]);
    const [first = ""] = stillPending;
    h.sim.hydra.model.finishBuild(ev.buildIds[first] ?? 0, 0);
    expect(await asked(tick)).toEqual([...idleTick, list]);
    const singles = await asked(tick);
    expect(singles).toEqual([...idleTick, ...buildPaths(ev, stillPending.slice(1))]);
    expect(singles).toHaveLength(2 + MAX_SINGLE_REFETCHES);
  });

  it("replaces a recorded failure when the restarted constituent passes, asking only for it", async () => {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId, { [FAILING]: 1 });
    expect((await tick()).kind).toBe("blocked");
    const failedId = ev.buildIds[FAILING] ?? 0;
    const row = async () =>
      (await h.deps.db.select().from(hydraBuilds).where(eq(hydraBuilds.id, failedId)))[0];
    expect(await row()).toMatchObject({ finished: true, buildstatus: 1 });

    h.sim.hydra.model.restartBuild(failedId);
    h.sim.hydra.model.finishBuild(failedId, 0);
    let kind = "";
    const paths = await asked(async () => {
      kind = (await tick()).kind;
    });
    expect(kind).toBe("advanced");
    expect(await row()).toMatchObject({ finished: true, buildstatus: 0 });
    // What recording asked for; publishing then fetches the product job's build and its file.
    const recording = paths.slice(0, paths.indexOf(`/eval/${ev.evalId}/job/nixos.channel`));
    expect(recording).toEqual([
      "/job/nixos/unstable/tested/latest-finished",
      `/build/${ev.aggregateId}`,
      `/build/${failedId}`,
      expect.stringMatching(/^\/api\/latestbuilds/),
    ]);

    const others = Object.entries(ev.buildIds)
      .filter(([job]) => job !== "tested")
      .map(([, id]) => id);
    const rows = await h.deps.db.select().from(hydraBuilds).where(inArray(hydraBuilds.id, others));
    expect(rows.every((r) => r.finished && r.buildstatus === 0)).toBe(true);
  });
});
