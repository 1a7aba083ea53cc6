import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, runDemo } from "../../src/entry/demo.node.ts";
import { demoAlreadyTested } from "../support/demo-suite.ts";
import { lockNixChannelsProfile } from "../support/nix-profile-lock.ts";

const run = promisify(execFile);
const NIX_CHANNEL = "/usr/bin/nix-channel";
// CI installs Debian's nix-bin and sets FLOODGATE_REQUIRE_NIX=1, so there this test cannot be skipped.
const haveNix = existsSync(NIX_CHANNEL);
if (!haveNix && process.env.FLOODGATE_REQUIRE_NIX === "1") {
  throw new Error(`${NIX_CHANNEL} is missing: apt-get install -y nix-bin`);
}

describe.skipIf(demoAlreadyTested)("the offline demo", () => {
  let demo: Demo;
  let dir: string;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-demo-"));
    demo = await runDemo({ port: 0, dataDir: join(dir, "data"), print: (l) => lines.push(l) });
  }, 240_000);
  afterAll(async () => {
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows an advance, and a block that is followed by an advance", () => {
    const kinds = demo.outcomes.map(
      (s) => s.outcomes.find((o) => o.channel === "nixos-unstable")?.kind,
    );
    expect(kinds).toContain("advanced");
    const blocked = kinds.indexOf("blocked");
    expect(blocked).toBeGreaterThan(-1);
    expect(kinds.slice(blocked + 1)).toContain("advanced");
    expect(lines.join("\n")).toContain(
      "✖ nixos-unstable blocked: nixos.tests.firewall.x86_64-linux failed",
    );
    expect(lines.join("\n")).toMatch(
      /✔ nixos-unstable advanced to nixos-26\.11pre\d+\.[0-9a-f]{12}/,
    );
  });

  it("shows an operator's freeze, pin and accept, and what each does to the channel", () => {
    const text = lines.join("\n");
    expect(text).toContain("⚑ nixos-unstable frozen by operator: staging-next merge in progress");
    expect(text).toContain("✖ nixos-unstable blocked: frozen: staging-next merge in progress");
    expect(text).toContain(
      "🔔 admin: nixos-unstable freeze by operator: staging-next merge in progress",
    );
    expect(text).toMatch(
      /⚑ nixos-unstable pinned to (nixos-26\.11pre\d+\.[0-9a-f]{12}) by operator/,
    );
    expect(text).toMatch(/✖ nixos-unstable blocked: pinned to nixos-26\.11pre\d+/);
    expect(text).toMatch(/⚑ nixos-unstable: eval \d+ accepted with nixos\.tests\.installer/);
    const operator = demo.outcomes.at(-1)?.outcomes.map((o) => o.kind);
    expect(operator).toEqual(["blocked", "advanced", "blocked", "advanced", "blocked", "advanced"]);
  });

  it.skipIf(!haveNix)(
    "serves a channel that the real nix-channel subscribes to and evaluates",
    async () => {
      const home = join(dir, "home");
      mkdirSync(home);
      const env = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        NIX_CONFIG: "sandbox = false\nsubstituters =\n",
        // A channel URL under test must not be served from the tarball cache of an earlier run.
        XDG_CACHE_HOME: join(dir, "cache"),
      };
      const unlock = await lockNixChannelsProfile();
      try {
        await run(NIX_CHANNEL, ["--add", `${demo.url}/nixos-unstable`, "nixos"], { env });
        await run(NIX_CHANNEL, ["--update", "nixos"], { env });

        const api = (await (await fetch(`${demo.url}/api/v1/channels`)).json()) as {
          channels: { name: string; release: { name: string } | null }[];
        };
        const published = api.channels.find((c) => c.name === "nixos-unstable")?.release?.name;
        const { stdout } = await run(
          "/usr/bin/nix-instantiate",
          [
            "--eval",
            "-E",
            "(import <nixos> {}).greeting",
            "-I",
            `nixos=${home}/.nix-defexpr/channels/nixos`,
          ],
          { env },
        );
        expect(stdout.trim()).toBe(`"hello from ${published}"`);
      } finally {
        await unlock();
      }
    },
  );
});
