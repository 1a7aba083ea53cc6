import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { firstRelease } from "../support/first-release.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const MiB = 1024 * 1024;
const TEN_GIB = 10 * 1024 * MiB;

// Issue 12, defect 3: no size cap and no overall deadline on downloads.
describe("download limits: Hydra's filesize caps a product, and every download has a deadline", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ FLOODGATE_DOWNLOAD_DEADLINE_SECONDS: "2" });
  });
  afterEach(() => h.close());

  const nixos = () => h.channel("nixos-unstable");
  const served = async () => (await h.app.request("/nixos-unstable")).headers.get("location") ?? "";
  const build = (ev: SimEval, job: string) => h.sim.hydra.model.build(ev.buildIds[job] ?? 0);
  const optionsPath = (ev: SimEval) =>
    `/build/${ev.buildIds["nixos.options"]}/download/1/options.json.br`;

  /** Takes options.json.br out of the cache, so it comes from Hydra's download (where faults go). */
  function optionsFromHydra(next: SimEval) {
    h.sim.cache.dropNarInfo(build(next, "nixos.options")?.outPath ?? "");
  }

  async function expectBlockedKeepingFirst(first: SimEval, next: SimEval, message: RegExp) {
    const outcome = await tickChannel(h.deps, nixos());
    expect(outcome.kind).toBe("blocked");
    expect(outcome.summary).toMatch(message);
    expect(await served()).toContain(first.releaseName);
    const api = await (await h.app.request("/api/v1/channels/nixos-unstable")).text();
    expect(api).toMatch(message);
    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(page.replaceAll("&#39;", "'").replaceAll("&#x27;", "'")).toMatch(message);
    const stored = await h.deps.store.list(`nixos/unstable/${next.releaseName}`);
    expect(stored.filter((k) => k.endsWith("options.json.br"))).toEqual([]);
  }

  it("refuses a Hydra download whose Content-Length is 10 GiB without reading it", async () => {
    const { first, next } = await firstRelease(h);
    optionsFromHydra(next);
    const sent = { bytes: 0 };
    h.sim.hydra.faults.add({
      path: new RegExp(optionsPath(next)),
      wireBody: { bytes: 64 * MiB, contentLength: TEN_GIB, sent },
      times: 10,
    });
    await expectBlockedKeepingFirst(
      first,
      next,
      /options\.json\.br.*Content-Length 10737418240 is over its cap of \d+ bytes \(Hydra's filesize \d+ bytes/,
    );
    // Refused at the headers: far less than the 64 MiB on offer crossed loopback.
    expect(sent.bytes).toBeLessThan(16 * MiB);
  });

  it("stops a download without Content-Length once it passes Hydra's filesize", async () => {
    const { first, next } = await firstRelease(h);
    optionsFromHydra(next);
    const sent = { bytes: 0 };
    h.sim.hydra.faults.add({
      path: new RegExp(optionsPath(next)),
      wireBody: { bytes: 64 * MiB, sent },
      times: 10,
    });
    await expectBlockedKeepingFirst(
      first,
      next,
      /options\.json\.br of build \d+: more than its cap of \d+ bytes \(Hydra's filesize \d+ bytes/,
    );
    expect(sent.bytes).toBeLessThan(16 * MiB);
  });

  it("gives up on a drip of one byte at a time at the download deadline", async () => {
    const { first, next } = await firstRelease(h);
    optionsFromHydra(next);
    // One byte every 400 ms resets any idle timeout; 10 000 of them would take over an hour.
    h.sim.hydra.faults.add({
      path: new RegExp(optionsPath(next)),
      wireBody: { bytes: 10_000, chunkBytes: 1, everyMs: 400 },
      times: 10,
    });
    await expectBlockedKeepingFirst(
      first,
      next,
      /options\.json\.br of build \d+: not finished within the download deadline of 2 s \(FLOODGATE_DOWNLOAD_DEADLINE_SECONDS\)/,
    );
  });

  it("refuses a product in the binary cache larger than Hydra's filesize", async () => {
    const { first, next } = await firstRelease(h);
    const path = build(next, "nixos.options")?.outPath ?? "";
    h.sim.cache.replaceFile(path, "options.json.br", new Uint8Array(4 * MiB));
    await expectBlockedKeepingFirst(
      first,
      next,
      /options\.json\.br of build \d+: more than its cap of \d+ bytes \(Hydra's filesize \d+ bytes/,
    );
  });

  it("refuses a NAR larger than its narinfo's FileSize", async () => {
    const { first, next } = await firstRelease(h);
    const sent = { bytes: 0 };
    h.sim.cache.faults.add({
      path: /^\/nar\//,
      wireBody: { bytes: 64 * MiB, contentLength: TEN_GIB, sent },
      times: 100,
    });
    await expectBlockedKeepingFirst(
      first,
      next,
      /\.nar\.(xz|zst): Content-Length 10737418240 is over its cap of \d+ bytes \(the narinfo's FileSize \d+ bytes/,
    );
    expect(sent.bytes).toBeLessThan(16 * MiB);
  });
});
