import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type LoopbackServer, serveOnLoopback } from "../../src/sim/serve.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { lockNixChannelsProfile } from "../support/nix-profile-lock.ts";

const run = promisify(execFile);
const NIX_CHANNEL = "/usr/bin/nix-channel";
const SQLITE3 = "/usr/bin/sqlite3";
// CI installs nix-bin and sqlite3 and sets FLOODGATE_REQUIRE_NIX=1: there this cannot be skipped.
const haveTools = existsSync(NIX_CHANNEL) && existsSync(SQLITE3);
if (!haveTools && process.env.FLOODGATE_REQUIRE_NIX === "1") {
  throw new Error(`${NIX_CHANNEL} or ${SQLITE3} is missing: apt-get install -y nix-bin sqlite3`);
}

describe.skipIf(!haveTools)("command-not-found on a channel the real nix-channel updates", () => {
  let h: Harness;
  let server: LoopbackServer;
  let dir: string;
  let env: Record<string, string>;
  const channelDir = () => join(dir, "home", ".nix-defexpr", "channels", "nixos");

  /** What command-not-found asks, answered by Debian's sqlite3 from the unpacked channel. */
  const commandNotFound = async (system: string, name: string) => {
    const query = `select package from Programs where system = '${system}' and name = '${name}'`;
    const { stdout } = await run(SQLITE3, [join(channelDir(), "programs.sqlite"), query]);
    return stdout.trim();
  };

  async function release(topic: string) {
    h.sim.github.model.commit("master", topic);
    const ev = await h.sim.evaluate(h.channel("nixos-unstable"));
    h.sim.hydra.model.finishEval(ev.evalId);
    const outcome = await tickChannel(h.deps, h.channel("nixos-unstable"));
    expect(outcome.kind, outcome.summary).toBe("advanced");
    return ev;
  }

  beforeAll(async () => {
    // The server starts first: redirects carry FLOODGATE_PUBLIC_URL, which must be its address.
    let target: Hono | undefined;
    const front = new Hono().all("*", (c) => (target ? target.fetch(c.req.raw) : c.text("", 503)));
    server = await serveOnLoopback(front);
    h = await startHarness({ FLOODGATE_PUBLIC_URL: server.url });
    target = h.app;
    h.seedBranches();
    dir = mkdtempSync(join(tmpdir(), "floodgate-cnf-"));
    mkdirSync(join(dir, "home"));
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: join(dir, "home"),
      // tarball-ttl 0: the second --update must ask again rather than reuse the first answer.
      NIX_CONFIG: "sandbox = false\nsubstituters =\ntarball-ttl = 0\n",
      XDG_CACHE_HOME: join(dir, "cache"),
    };
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers from programs.sqlite inside the channel, and a second --update gets the next release", {
    timeout: 300_000,
  }, async () => {
    const first = await release("hello: 2.12 -> 2.13");
    // nix-channel writes root's one channels profile, which other test files may also be using.
    const unlock = await lockNixChannelsProfile();
    onTestFinished(unlock);
    await run(NIX_CHANNEL, ["--add", `${server.url}/nixos-unstable`, "nixos"], { env });
    await run(NIX_CHANNEL, ["--update", "nixos"], { env });

    expect(readFileSync(join(channelDir(), ".git-revision"), "utf8")).toBe(first.revision);
    expect(await commandNotFound("x86_64-linux", "hello")).toBe("hello");
    expect(await commandNotFound("aarch64-linux", "black")).toBe("python3Packages.black");
    expect(await commandNotFound("x86_64-linux", "git-upload-pack")).toBe("git");
    expect(await commandNotFound("x86_64-linux", "ghostty")).toBe(""); // its .ls is missing

    // The page says what the index skipped; the release is published all the same.
    const page = await (
      await h.app.request(`/releases/nixos/unstable/${first.releaseName}`)
    ).text();
    expect(page).toContain("2 skipped: 2 with no .ls listing in the binary cache, 0 unreadable.");
    const channelPage = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(channelPage).toContain("programs.sqlite: 12/12 store paths, 2 skipped (no .ls)");

    const second = await release("git: 2.47.0 -> 2.47.1");
    expect(second.revision).not.toBe(first.revision);
    await run(NIX_CHANNEL, ["--update", "nixos"], { env });
    expect(readFileSync(join(channelDir(), ".git-revision"), "utf8")).toBe(second.revision);
    expect(await commandNotFound("x86_64-linux", "git")).toBe("git");
    expect(await commandNotFound("aarch64-linux", "ls")).toBe("coreutils");
  });
});
