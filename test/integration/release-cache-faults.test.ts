import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { firstRelease } from "../support/first-release.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// Two NixOS releases per test, each evaluated and repacked with programs.sqlite: slow on a loaded CI.
describe("products from the binary cache, and when the cache misbehaves", {
  timeout: 180_000,
}, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const hydraDownloads = () => h.sim.hydra.requests.filter((r) => r.path.includes("/download/"));
  const served = async () => (await h.app.request("/nixos-unstable")).headers.get("location") ?? "";
  const outPath = (ev: SimEval, job: string) =>
    h.sim.hydra.model.build(ev.buildIds[job] ?? 0)?.outPath ?? "";

  async function expectBlockedKeepingFirst(first: SimEval, message: RegExp) {
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome.kind).toBe("blocked");
    expect(outcome.summary).toMatch(message);
    expect(await served()).toContain(first.releaseName);
    const api = await (await h.app.request("/api/v1/channels/nixos-unstable")).json();
    expect(JSON.stringify(api)).toMatch(message);
  }

  it("reads every product from the cache's NARs (xz and zstd), not from Hydra", async () => {
    await firstRelease(h);
    expect(hydraDownloads()).toEqual([]);
    const nars = h.sim.cache.requests.filter((p) => p.startsWith("/nar/"));
    expect(nars.some((p) => p.endsWith(".nar.xz"))).toBe(true);
    expect(nars.some((p) => p.endsWith(".nar.zst"))).toBe(true);
  });

  it("falls back to Hydra's download when the cache has no narinfo", async () => {
    const { next } = await firstRelease(h);
    h.sim.cache.dropNarInfo(outPath(next, "nixos.options"));
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome).toMatchObject({ kind: "advanced", release: next.releaseName });
    expect(hydraDownloads().map((r) => r.path)).toEqual([
      `/build/${next.buildIds["nixos.options"]}/download/1/options.json.br`,
    ]);
    expect(h.logs.join("\n")).toContain("product not in the binary cache");
  });

  it("refuses a product whose bytes in the cache do not match Hydra's sha256", async () => {
    const { first, next } = await firstRelease(h);
    h.sim.cache.replaceFile(
      outPath(next, "nixos.options"),
      "options.json.br",
      new Uint8Array([1, 2]),
    );
    await expectBlockedKeepingFirst(first, /sha256 of .*options\.json\.br/);
  });

  it("refuses a truncated NAR", async () => {
    const { first } = await firstRelease(h);
    h.sim.cache.faults.add({ path: /^\/nar\//, truncate: 300, times: 1000 });
    await expectBlockedKeepingFirst(first, /ends early|Unexpected end|failed/);
  });
});
