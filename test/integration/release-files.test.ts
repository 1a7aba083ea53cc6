import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { simChannel } from "../../src/sim/sim-channels.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const channels = [...scenarioChannels, simChannel("nixos-unstable-small")];

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const versionOf = (releaseName: string) => releaseName.replace(/^[a-z]+-/, "");

// reference/channel-infra.md §3 steps 5–7: what a release directory holds, by kind of channel.
// Deliberate differences from the real bucket: the index page is the file `index.html` (the real
// one is the bare key `<releasePrefix>`, which floodgate serves too). Not differences: NixOS
// tarballs have no .sha256 (repacked, step 6), programs.sqlite is inside both tarballs and
// debug.sqlite is deleted (step 6), ISOs are 25.05+'s minimal and graphical kinds (no i686, OVA).
function expectedNixos(releaseName: string, withIsos: boolean): string[] {
  const v = versionOf(releaseName);
  const isos = withIsos
    ? ["minimal", "graphical"].flatMap((kind) =>
        ["x86_64-linux", "aarch64-linux"].flatMap((arch) => [
          `nixos-${kind}-${v}-${arch}.iso`,
          `nixos-${kind}-${v}-${arch}.iso.sha256`,
        ]),
      )
    : [];
  return [
    "binary-cache-url",
    "git-revision",
    "index.html",
    "nixexprs.tar.xz",
    "nixexprs.tar.zst",
    "options.json.br",
    "options.json.br.sha256",
    "packages.json.br",
    "packages.json.br.sha256",
    "src-url",
    "store-paths.xz",
    ...isos,
  ].sort();
}

const expectedNixpkgs = [
  "binary-cache-url",
  "git-revision",
  "index.html",
  "nixexprs.tar.xz",
  "nixexprs.tar.xz.sha256",
  "nixexprs.tar.zst",
  "nixexprs.tar.zst.sha256",
  "packages.json.br",
  "packages.json.br.sha256",
  "src-url",
  "store-paths.xz",
].sort();

/**
 * Content type and Content-Encoding of a release file as mirror-nixos-branch.pl uploads it
 * (reference/channel-infra.md §3 step 7), written out here rather than taken from floodgate.
 * Deliberate differences: text files say `; charset=utf-8` (they are ASCII, so the same bytes
 * mean the same), and the index page is `index.html` with a `text/html` type (see the test).
 */
function section3Type(file: string): string {
  if (file === "index.html") return "text/html; charset=utf-8 null";
  if (file.endsWith(".sha256") || ["src-url", "binary-cache-url", "git-revision"].includes(file)) {
    return "text/plain; charset=utf-8 null";
  }
  if (file.endsWith(".json.br")) return "application/json br";
  return "application/octet-stream null";
}

describe("release directories of the simulator's channels", () => {
  let h: Harness;
  const evals: Record<string, SimEval> = {};
  const dirOf = (dir: string, ev: SimEval) =>
    join(h.config.storage.kind === "file" ? h.config.storage.dir : "", dir, ev.releaseName);
  const listing = (dir: string, ev: SimEval) =>
    readdirSync(dirOf(dir, ev))
      .filter((f) => !f.startsWith("."))
      .sort();

  beforeAll(async () => {
    h = await startHarness({}, { channels });
    h.seedBranches();
    for (const name of ["nixos-unstable", "nixpkgs-unstable", "nixos-unstable-small"]) {
      const ev = await h.sim.evaluate(h.channel(name));
      h.sim.hydra.model.finishEval(ev.evalId);
      const outcome = await tickChannel(h.deps, h.channel(name));
      expect(outcome.kind, outcome.summary).toBe("advanced");
      evals[name] = ev;
    }
  }, 240_000);
  afterAll(() => h?.close());

  const ev = (name: string) => {
    const found = evals[name];
    if (!found) throw new Error(`no eval for ${name}`);
    return found;
  };

  it("holds every file the real updater writes, for each kind of channel", () => {
    expect(listing("nixos/unstable", ev("nixos-unstable"))).toEqual(
      expectedNixos(ev("nixos-unstable").releaseName, true),
    );
    expect(listing("nixpkgs", ev("nixpkgs-unstable"))).toEqual(expectedNixpkgs);
    expect(listing("nixos/unstable-small", ev("nixos-unstable-small"))).toEqual(
      expectedNixos(ev("nixos-unstable-small").releaseName, false),
    );
  });

  it("serves every file of each release directory with §3 step 7's content type and encoding", async () => {
    const dirs = [
      ["nixos/unstable", ev("nixos-unstable")],
      ["nixos/unstable-small", ev("nixos-unstable-small")],
      ["nixpkgs", ev("nixpkgs-unstable")],
    ] as const;
    const served: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [dir, e] of dirs) {
      const base = `/releases/${dir}/${e.releaseName}`;
      for (const file of listing(dir, e)) {
        const res = await h.app.request(`${base}/${file}`, { method: "HEAD" });
        served[`${dir}/${file}`] =
          `${res.status} ${res.headers.get("content-type")} ${res.headers.get("content-encoding")}`;
        expected[`${dir}/${file}`] = `200 ${section3Type(file)}`;
      }
      // Difference: the real index is the bare key `<releasePrefix>` (no file name); floodgate
      // stores it as `index.html` and serves it at the bare path too, with the same bytes.
      const bare = await h.app.request(base);
      const index = await h.app.request(`${base}/index.html`);
      expect(bare.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await bare.text()).toBe(await index.text());
    }
    expect(served).toEqual(expected);
  });

  it("serves each file with the real content type and brotli encoding for JSON", async () => {
    const base = `/releases/nixos/unstable/${ev("nixos-unstable").releaseName}`;
    const types: Record<string, string | null> = {};
    for (const file of ["packages.json.br", "store-paths.xz", "nixexprs.tar.zst", "git-revision"]) {
      const res = await h.app.request(`${base}/${file}`, { method: "HEAD" });
      expect(res.status, file).toBe(200);
      types[file] = `${res.headers.get("content-type")} ${res.headers.get("content-encoding")}`;
    }
    expect(types).toEqual({
      "packages.json.br": "application/json br",
      "store-paths.xz": "application/octet-stream null",
      "nixexprs.tar.zst": "application/octet-stream null",
      "git-revision": "text/plain; charset=utf-8 null",
    });
    const options = await h.app.request(`${base}/options.json.br`);
    const json = JSON.parse(brotliDecompressSync(await options.arrayBuffer()).toString());
    expect(json).toHaveProperty("services.openssh.enable");
  });

  it("writes store-paths.xz from Hydra's list: unique, one per line", async () => {
    const e = ev("nixpkgs-unstable");
    const res = await h.app.request(`/releases/nixpkgs/${e.releaseName}/store-paths.xz`);
    const text = execFileSync("xz", ["-d", "-c"], {
      input: new Uint8Array(await res.arrayBuffer()),
    });
    const expected = h.sim.hydra.model.storePaths(e.evalId);
    expect(expected.length).toBeGreaterThan(0);
    expect(text.toString()).toBe(expected.map((p) => `${p}\n`).join(""));
  });

  it("redirects latest-* image names to this release's image and its checksum", async () => {
    const e = ev("nixos-unstable");
    const iso = await h.app.request("/nixos-unstable/latest-nixos-minimal-x86_64-linux.iso");
    expect(iso.status).toBe(302);
    const target = new URL(iso.headers.get("location") ?? "").pathname;
    expect(target).toBe(
      `/releases/nixos/unstable/${e.releaseName}/nixos-minimal-${versionOf(e.releaseName)}-x86_64-linux.iso`,
    );
    const image = new Uint8Array(await (await h.app.request(target)).arrayBuffer());
    const sum = await h.app.request("/nixos-unstable/latest-nixos-minimal-x86_64-linux.iso.sha256");
    const sumFile = await h.app.request(new URL(sum.headers.get("location") ?? "").pathname);
    expect(await sumFile.text()).toBe(
      `${sha256(image)}  nixos-minimal-${versionOf(e.releaseName)}-x86_64-linux.iso`,
    );
  });

  it("sends no ISO redirect target for a small channel", async () => {
    const res = await h.app.request("/nixos-unstable-small/latest-nixos-minimal-x86_64-linux.iso");
    const target = new URL(res.headers.get("location") ?? "").pathname;
    expect((await h.app.request(target)).status).toBe(404);
  });
});
