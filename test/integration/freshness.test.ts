import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import type { Deps } from "../../src/deps.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { createChannelChanges } from "../../src/status/read-model/channel-changes.ts";
import { FRESHNESS_BOUND_MS } from "../../src/status/read-model/follow-changes.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const BIN = new URL("../../bin/floodgate.js", import.meta.url).pathname;

describe("how soon a flipped pointer is served", () => {
  let h: Harness;
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), "floodgate-freshness-"));
  });
  afterEach(async () => {
    child?.kill("SIGTERM");
    child = undefined;
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const nixos = () => h.channel("nixos-unstable");
  async function advance(deps: Deps = h.deps): Promise<string> {
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    expect(await tickChannel(deps, nixos())).toMatchObject({ kind: "advanced" });
    return ev.releaseName;
  }

  it("serves the new release (redirect, pages past their ETag, JSON) in the same process as soon as the tick returns", {
    timeout: 120_000,
  }, async () => {
    h.seedBranches();
    expect((await h.app.request("/nixos-unstable")).status).toBe(404);
    expect((await h.app.request("/api/v1/channels")).status).toBe(200);
    const first = await advance();
    const redirect = await h.app.request("/nixos-unstable");
    expect(redirect.headers.get("location")).toMatch(new RegExp(`/${first}$`));
    const page = await h.app.request("/");
    const etag = page.headers.get("etag") ?? "";
    expect(await page.text()).toContain(first);
    const unchanged = await h.app.request("/", { headers: { "If-None-Match": etag } });
    expect(unchanged.status).toBe(304);
    h.sim.github.model.commit("master", "nix: 2.31 -> 2.32");
    const second = await advance();
    const changed = await h.app.request("/", { headers: { "If-None-Match": etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain(second);
    expect((await h.app.request("/nixos-unstable")).headers.get("location")).toMatch(
      new RegExp(`/${second}$`),
    );
    const api = (await (await h.app.request("/api/v1/channels")).json()) as {
      channels: { name: string; release: { name: string } | null }[];
    };
    expect(api.channels.find((c) => c.name === "nixos-unstable")?.release?.name).toBe(second);
  });

  it.skipIf(!process.env.FLOODGATE_TEST_DATABASE_URL)(
    "a second `floodgate serve` (scheduler off) serves the flip within the bound, by NOTIFY or by polling",
    { timeout: 180_000 },
    async () => {
      h.seedBranches();
      const first = await advance();
      const replica = await startReplica(h.dbUrl ?? "");
      child = replica.child;
      const served = async () =>
        (await fetch(`${replica.url}/nixos-unstable`, { redirect: "manual" })).headers.get(
          "location",
        ) ?? "";
      expect(await served()).toMatch(new RegExp(`/${first}$`));
      // The overview, as serve's fast path answers it once rendered (the app's answers carry an
      // id). It shows the served release's revision (its name's last part) as soon as the
      // redirect does; the tick's outcome, recorded after the flip, follows (another rendering).
      const overviews = async (release: string) => {
        const revision = release.slice(release.lastIndexOf(".") + 1);
        for (let i = 0; i < 50; i++) {
          const res = await fetch(`${replica.url}/`);
          expect(await res.text()).toContain(`<code>${revision}</code>`);
          if (!res.headers.has("x-request-id")) return "by the fast path";
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return "by the app only";
      };
      expect(await overviews(first)).toBe("by the fast path");

      // With NOTIFY: the flip is announced right after its commit.
      h.sim.github.model.commit("master", "nix: 2.31 -> 2.32");
      let flippedAt = 0;
      const announcing: Deps = {
        ...h.deps,
        changes: {
          ...h.deps.changes,
          channelChanged: (c) => {
            flippedAt ||= Date.now();
            return h.deps.changes.channelChanged(c);
          },
        },
      };
      const second = await advance(announcing);
      expect(await waitFor(served, second, flippedAt)).toBeLessThanOrEqual(FRESHNESS_BOUND_MS);
      // Once the pointer is served, no page shows the one before it, the fast path's neither.
      expect(await overviews(second)).toBe("by the fast path");

      // Without NOTIFY (a writer that does not announce): the replica's polling catches up.
      h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
      let silentAt = 0;
      const silent = createChannelChanges({ owner: "silent", logger: h.deps.logger });
      const quiet: Deps = {
        ...h.deps,
        changes: {
          ...silent,
          channelChanged: async () => {
            silentAt ||= Date.now();
          },
        },
      };
      const third = await advance(quiet);
      expect(await waitFor(served, third, silentAt)).toBeLessThanOrEqual(FRESHNESS_BOUND_MS);
    },
  );

  /** Milliseconds from `since` until `read` ends with the release (gives up after 15 s). */
  async function waitFor(read: () => Promise<string>, release: string, since: number) {
    for (;;) {
      if ((await read()).endsWith(`/${release}`)) return Date.now() - since;
      if (Date.now() - since > 15_000) return Number.POSITIVE_INFINITY;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function startReplica(databaseUrl: string) {
    const channelsFile = join(dir, "channels.json");
    writeFileSync(channelsFile, JSON.stringify({ channels: scenarioChannels }));
    const proc = spawn(process.execPath, [BIN, "serve"], {
      env: {
        PATH: process.env.PATH ?? "",
        ...h.sim.env,
        DATABASE_URL: databaseUrl,
        FLOODGATE_SCHEDULER: "off",
        FLOODGATE_CHANNELS: channelsFile,
        FLOODGATE_DATA_DIR: join(dir, "data"),
        PORT: "0",
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      proc.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (match) resolve(`http://127.0.0.1:${match[1]}`);
      });
      proc.once("exit", (code) => reject(new Error(`floodgate serve exited ${code}: ${out}`)));
    });
    return { child: proc, url };
  }
});
