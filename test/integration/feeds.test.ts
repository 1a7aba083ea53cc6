import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { kindOf, parseAtom } from "../support/atom.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const TAG = "tag:floodgate.test,2026:";

describe("Atom feeds of releases and blocks", () => {
  let h: Harness;
  const evals: SimEval[] = [];
  beforeAll(async () => {
    h = await startHarness();
    h.seedBranches();
    const nixos = h.channel("nixos-unstable");
    const step = async (failing: Record<string, number>) => {
      h.sim.github.model.commit("master", `commit ${evals.length}`);
      const ev = await h.sim.evaluate(nixos);
      h.sim.hydra.model.finishEval(ev.evalId, failing);
      evals.push(ev);
      return (await tickChannel(h.deps, nixos)).kind;
    };
    expect(await step({})).toBe("advanced");
    expect(await step({ "nixos.tests.firewall.x86_64-linux": 1 })).toBe("blocked");
    expect(await step({})).toBe("advanced");
    const nixpkgs = h.channel("nixpkgs-unstable");
    h.sim.hydra.model.finishEval((await h.sim.evaluate(nixpkgs)).evalId);
    expect((await tickChannel(h.deps, nixpkgs)).kind).toBe("advanced");
  });
  afterAll(() => h.close());

  const feed = async (path: string) => {
    const res = await h.app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    return parseAtom(await res.text());
  };

  it("has an entry per release and per block and unblock, each with a stable tag: id", async () => {
    const [first, failing, fixed] = evals.map((e) => e.releaseName);
    const doc = await feed("/feeds/nixos-unstable.atom");
    expect(doc.id).toBe(`${TAG}feed/nixos-unstable`);
    const byKind = (kind: string) => doc.entry.filter((e) => kindOf(e) === kind);
    expect(byKind("release").map((e) => e.id)).toEqual([
      `${TAG}nixos-unstable/release/${fixed}`,
      `${TAG}nixos-unstable/release/${first}`,
    ]);
    expect(byKind("release").map((e) => e.link["@_href"])).toContain(
      `http://floodgate.test/releases/nixos/unstable/${fixed}`,
    );
    expect(doc.entry.some((e) => e.id.includes(failing ?? "?"))).toBe(false);
    const [blocked] = byKind("blocked");
    expect(blocked?.id).toMatch(/^tag:floodgate\.test,2026:nixos-unstable\/blocked\/\d+$/);
    expect(blocked?.content["@_type"]).toBe("html");
    expect(blocked?.content["#text"]).toContain("nixos.tests.firewall.x86_64-linux");
    const [unblocked] = byKind("unblocked");
    expect(unblocked?.id).toMatch(/^tag:floodgate\.test,2026:nixos-unstable\/unblocked\/\d+$/);
    expect(doc.entry).toHaveLength(4);
    // Newest first, and the feed's updated time is its newest entry's.
    const times = doc.entry.map((e) => Date.parse(e.updated));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(doc.updated).toBe(doc.entry[0]?.updated);
  });

  it("gives an entry the same id in every feed and every rendering", async () => {
    const channel = await feed("/feeds/nixos-unstable.atom");
    const all = await feed("/feeds/all.atom");
    expect(all.id).toBe(`${TAG}feed/all`);
    expect(all.entry.map((e) => e.id)).toEqual(
      expect.arrayContaining(channel.entry.map((e) => e.id)),
    );
    expect(
      all.entry.filter((e) => e.id.startsWith(`${TAG}nixpkgs-unstable/release/`)),
    ).toHaveLength(1);
    // An idle tick records nothing new: the next rendering keeps every id.
    expect((await tickChannel(h.deps, h.channel("nixos-unstable"))).kind).toBe("idle");
    const again = await feed("/feeds/nixos-unstable.atom");
    expect(again.entry.map((e) => e.id)).toEqual(channel.entry.map((e) => e.id));
  });

  it("answers 304 to a matching ETag, and 404 for an unknown channel", async () => {
    const res = await h.app.request("/feeds/all.atom");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get("cache-control")).toContain("max-age=10");
    const again = await h.app.request("/feeds/all.atom", {
      headers: { "If-None-Match": etag ?? "" },
    });
    expect(again.status).toBe(304);
    expect((await h.app.request("/feeds/nixos-nope.atom")).status).toBe(404);
    expect((await h.app.request("/feeds/nixos-unstable.rss")).status).toBe(404);
  });
});
