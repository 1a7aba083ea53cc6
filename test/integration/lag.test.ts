import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import {
  type ChannelLag,
  ChannelLag as ChannelLagSchema,
} from "../../src/status/lag/lag-schema.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-02T00:00:00Z");
const at = (hours: number) => new Date(T0 + hours * HOUR);

describe("GET /api/v1/channels/{channel}/lag, from recorded ticks and releases", () => {
  let h: Harness;
  let nowMs = T0;
  const shas: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({}, { clock: { now: () => new Date(nowMs) } });
    const unstable = h.channel("nixos-unstable");
    const model = h.sim.github.model;
    const advance = async () => {
      const ev = await h.sim.evaluate(unstable);
      h.sim.hydra.model.finishEval(ev.evalId);
      expect((await tickChannel(h.deps, unstable)).kind).toBe("advanced");
    };
    h.seedBranches();
    await advance(); // h0: the first release
    nowMs = at(6).getTime();
    shas.b = model.commit("master", "b", at(5));
    shas.c = model.commit("master", "c", at(6));
    expect((await tickChannel(h.deps, unstable)).kind).not.toBe("advanced"); // master seen at h6
    nowMs = at(12).getTime();
    await advance(); // h12: brings b and c, 6 hours after master had them
    nowMs = at(13).getTime();
    shas.d = model.commit("master", "d", at(13));
    expect((await tickChannel(h.deps, unstable)).kind).not.toBe("advanced"); // d seen at h13
    nowMs = at(14).getTime();
  }, 120_000);
  afterAll(() => h.close());

  async function lag(query: string): Promise<ChannelLag> {
    const res = await h.app.request(`/api/v1/channels/nixos-unstable/lag${query}`);
    expect(res.status).toBe(200);
    return ChannelLagSchema.parse(await res.json());
  }

  it("reports the ages, the commits behind master with the oldest, latency and advances", async () => {
    const body = await lag("?days=1");
    expect(body).toMatchObject({
      channel: "nixos-unstable",
      sourceBranch: "master",
      days: 1,
      from: at(-10).toISOString(),
      to: at(14).toISOString(),
    });
    expect(body.current.revisionAgeSeconds).toBe(8 * 3600); // revision c, committed at h6
    expect(body.current.updateAgeSeconds).toBe(2 * 3600);
    expect(body.current.behind.commits).toBe(1);
    expect(body.current.behind.oldest).toMatchObject({ sha: shas.d, ageSeconds: 3600 });
    expect(body.advances.map((a) => a.at)).toEqual([at(0).toISOString(), at(12).toISOString()]);
    expect(body.advances[1]?.commits).toBe(2);
    expect(body.latency).toHaveLength(1);
    expect(body.latency[0]?.maxSeconds).toBe(6 * 3600);
    expect(body.behind.map((p) => [p.at, p.commits])).toContainEqual([at(6).toISOString(), 2]);
    // The sawtooth: revision c's age drops to 6 hours at the h12 advance.
    expect(body.revisionAge).toContainEqual({ at: at(12).toISOString(), seconds: 6 * 3600 });
  });

  it("defaults to 90 days", async () => {
    expect((await lag("")).days).toBe(90);
  });

  it.each(["0", "366", "1.5", "ten"])(
    "refuses days=%s with a 400 that says the bound",
    async (days) => {
      const res = await h.app.request(`/api/v1/channels/nixos-unstable/lag?days=${days}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: "BAD_REQUEST" });
      expect(body.error.message).toContain("1 to 365");
    },
  );

  it("answers 404 for a channel it does not know", async () => {
    const res = await h.app.request("/api/v1/channels/nixos-nope/lag");
    expect(res.status).toBe(404);
  });

  it("answers compressed as the client accepts: the cached lag in brotli, other JSON gzipped", async () => {
    const plain = await (await h.app.request("/api/v1/channels/nixos-unstable/lag?days=2")).text();
    const br = await h.app.request("/api/v1/channels/nixos-unstable/lag?days=2", {
      headers: { "Accept-Encoding": "gzip, br" },
    });
    expect(br.headers.get("Content-Encoding")).toBe("br");
    const bytes = Buffer.from(await br.arrayBuffer());
    expect(bytes.length).toBeLessThan(Buffer.byteLength(plain));
    expect(brotliDecompressSync(bytes).toString()).toBe(plain);
    // Not in the page cache: compressed per request (over 1 KB only, as Hono's compress does).
    const releases = await h.app.request("/api/v1/channels/nixos-unstable/releases?limit=5", {
      headers: { "Accept-Encoding": "gzip" },
    });
    expect(releases.status).toBe(200);
    expect(releases.headers.get("Content-Encoding")).toBe("gzip");
    const json = JSON.parse(gunzipSync(Buffer.from(await releases.arrayBuffer())).toString());
    expect(json.channel).toBe("nixos-unstable");
  });
});
