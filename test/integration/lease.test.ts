import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acquireLease } from "../../src/channels/lease.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { channels, releases } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { githubFaults } from "../../src/sim/github-faults.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { productsFromHydraOnly } from "../support/hydra-downloads-only.ts";

const REF_PATH = /\/git\/refs\/heads(\/|%2F)nixos-unstable$/;

/** A Hydra whose downloads wait until the test lets them go: a step held in the middle. */
function holdDownloads(deps: Deps) {
  let entered = false;
  let letGo: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  const hydra = new Proxy(deps.hydra, {
    get(target, key, receiver) {
      if (key !== "download") return Reflect.get(target, key, receiver);
      return async (...args: Parameters<Deps["hydra"]["download"]>) => {
        entered = true;
        await gate;
        return target.download(...args);
      };
    },
  });
  return { hydra, entered: () => entered, letGo: () => letGo() };
}

describe("one advancer per channel: the lease", () => {
  let h: Harness;
  let now = new Date("2026-11-28T12:00:00Z");
  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  beforeEach(async () => {
    now = new Date("2026-11-28T12:00:00Z");
    h = await startHarness({}, { clock: { now: () => new Date(now) } });
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const patches = () => h.sim.github.requests.filter((r) => r.method === "PATCH");
  const process = (owner: string, over: Partial<Deps> = {}): Deps => ({
    ...h.deps,
    owner,
    ...over,
  });
  const leaseRow = async () =>
    (await h.deps.db.select().from(channels).where(eq(channels.name, "nixos-unstable")))[0];
  async function ready() {
    h.seedBranches();
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    // The steps here are held and counted at Hydra's download, so products must come from there.
    productsFromHydraOnly(h.sim, ev);
    return ev;
  }

  it("answers busy, naming the holder in a log line, while another process holds it", async () => {
    await ready();
    const held = await acquireLease(h.deps.db, "nixos-unstable", "node-b#1", now, 60_000);
    expect(held.kind).toBe("acquired");
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({
      kind: "busy",
      busy: { kind: "lease-held", owner: "node-b#1", until: "2026-11-28T12:01:00.000Z" },
    });
    expect(outcome.summary).toContain("node-b#1 holds the lease");
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "channel busy");
    expect(line).toMatchObject({ channel: "nixos-unstable", owner: "node-b#1" });
    expect(patches()).toHaveLength(0);
  });

  it("lets exactly one of two simultaneous ticks advance", async () => {
    const ev = await ready();
    const outcomes = await Promise.all([
      tickChannel(process("node-a"), nixos()),
      tickChannel(process("node-b"), nixos()),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(["advanced", "busy"]);
    expect(patches()).toHaveLength(1);
    expect(h.sim.github.model.branchHead("nixos-unstable")).toBe(ev.revision);
  });

  it("stops, busy, when it loses a compare-and-set on its release to someone else", async () => {
    await ready();
    const held = holdDownloads(h.deps);
    const running = tickChannel(process("node-a", { hydra: held.hydra }), nixos());
    await vi.waitFor(() => expect(held.entered()).toBe(true), { timeout: 30_000 });
    await h.deps.db.update(releases).set({ state: "abandoned" });
    held.letGo();
    expect(await running).toMatchObject({
      kind: "busy",
      busy: { kind: "release-moved", state: "abandoned" },
    });
    expect(patches()).toHaveLength(0);
    expect((await leaseRow())?.currentReleaseId).toBeNull();
  });

  it("frees a crashed owner's lease after a minute, and the next tick resumes its release", async () => {
    const ev = await ready();
    h.sim.github.faults.add({
      path: REF_PATH,
      method: "PATCH",
      times: 10,
      ...githubFaults.serverError,
    });
    expect((await tickChannel(h.deps, nixos())).kind).toBe("blocked");
    h.sim.github.faults.clear();
    const downloads = h.sim.hydra.requests.filter((r) => r.path.includes("/download/")).length;
    // The crashed process had taken the lease again and died without releasing it.
    await acquireLease(h.deps.db, "nixos-unstable", "node-crashed#9", now, 60_000);

    later(30);
    expect(await tickChannel(h.deps, nixos())).toMatchObject({ kind: "busy" });
    later(31);
    const resumed = await tickChannel(h.deps, nixos());
    expect(resumed).toMatchObject({
      kind: "advanced",
      release: ev.releaseName,
      run: { kind: "resumed", from: "files" },
    });
    expect(h.sim.hydra.requests.filter((r) => r.path.includes("/download/")).length).toBe(
      downloads,
    );
    expect((await leaseRow())?.leaseOwner).toBeNull();
  });

  it("renews the lease while a slow step runs, so nobody takes it over", async () => {
    const ev = await ready();
    const held = holdDownloads(h.deps);
    const gate = { ...h.deps.gate, renewEveryMs: 20 };
    const running = tickChannel(process("node-a", { hydra: held.hydra, gate }), nixos());
    await vi.waitFor(() => expect(held.entered()).toBe(true), { timeout: 30_000 });
    for (let i = 0; i < 3; i++) {
      later(45);
      const renewedBy = now.getTime() + 60_000;
      await vi.waitFor(
        async () => expect((await leaseRow())?.leaseUntil?.getTime()).toBe(renewedBy),
        { timeout: 30_000 },
      );
    }
    // 135 s after it started, far past one lease: still held by the slow tick.
    expect(await tickChannel(process("node-b"), nixos())).toMatchObject({
      kind: "busy",
      busy: { kind: "lease-held", owner: expect.stringMatching(/^node-a#/) },
    });
    held.letGo();
    expect(await running).toMatchObject({ kind: "advanced", release: ev.releaseName });
    expect(patches()).toHaveLength(1);
  });

  it("aborts a running step when its lease is taken, and publishes nothing", async () => {
    await ready();
    const held = holdDownloads(h.deps);
    const gate = { ...h.deps.gate, renewEveryMs: 20 };
    const running = tickChannel(process("node-a", { hydra: held.hydra, gate }), nixos());
    await vi.waitFor(() => expect(held.entered()).toBe(true), { timeout: 30_000 });
    await h.deps.db
      .update(channels)
      .set({ leaseOwner: "node-b#1" })
      .where(eq(channels.name, "nixos-unstable"));
    expect(await running).toMatchObject({ kind: "busy", busy: { kind: "lease-lost" } });
    held.letGo();
    expect(patches()).toHaveLength(0);
    expect((await leaseRow())?.leaseOwner).toBe("node-b#1");
    const [release] = await h.deps.db.select().from(releases);
    expect(release?.state).toBe("pending");
  });
});
