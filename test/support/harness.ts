import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count } from "drizzle-orm";
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import type { Clock } from "../../src/clock.ts";
import type { ChannelSpec } from "../../src/config/channels-file.ts";
import { type Config, parseConfig } from "../../src/config/config.ts";
import { releases } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { createDeps, USER_AGENT } from "../../src/entry/runtime.node.ts";
import { createHydraClient } from "../../src/hydra/hydra-client.ts";
import { jsonLogger } from "../../src/log.ts";
import type { BlobStore } from "../../src/publish/blob-store.ts";
import type { Chaos } from "../../src/sim/chaos.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type Simulator, startSimulator } from "../../src/sim/simulator.node.ts";
import { createTestDb } from "./test-db.ts";

export interface Harness {
  sim: Simulator;
  deps: Deps;
  app: Hono;
  config: Config;
  /** The test database's URL when it is a PostgreSQL server (FLOODGATE_TEST_DATABASE_URL). */
  dbUrl?: string;
  logs: string[];
  channel(name: string): ChannelSpec;
  releaseCount(): Promise<number>;
  /** Points both channels' branches at an initial master commit, like a fresh nixpkgs. */
  seedBranches(): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Channels in the channels file's shape; default the demo scenario's two. */
  channels?: unknown[];
  /** floodgate's clock (release and publish times); default the system clock. */
  clock?: Clock;
  /** Storage other than the one FLOODGATE_STORAGE names, e.g. S3 with tiny multipart parts. */
  store?: BlobStore;
  /** Other top-level keys of the channels file (e.g. `alerts`). */
  channelsFile?: Record<string, unknown>;
  /** Random upstream faults the simulator injects (src/sim/chaos.ts). */
  chaos?: Chaos;
  /** Ports other than the wired ones (e.g. a binary cache with a short timeout). */
  deps?: (sim: Simulator) => Partial<Deps>;
}

/** floodgate wired to the simulator, a private database and a temporary storage dir. */
export async function startHarness(
  env: Record<string, string> = {},
  opts: HarnessOptions = {},
): Promise<Harness> {
  const sim = await startSimulator(opts.chaos ? { chaos: opts.chaos } : {});
  const db = await createTestDb();
  const dataDir = mkdtempSync(join(tmpdir(), "floodgate-test-"));
  const config = parseConfig(
    {
      ...sim.env,
      FLOODGATE_DATA_DIR: dataDir,
      FLOODGATE_PUBLIC_URL: "http://floodgate.test",
      ...env,
    },
    {
      raw: { ...opts.channelsFile, channels: opts.channels ?? scenarioChannels },
      source: "test",
    },
  );
  const logs: string[] = [];
  const logger = jsonLogger((line) => logs.push(line));
  // Fast retries, so fault tests finish in milliseconds; the retry count is the real default.
  const hydra = createHydraClient({
    baseUrl: config.hydraUrl,
    userAgent: USER_AGENT,
    requestsPerSecond: 500,
    baseBackoffMs: 5,
    timeoutMs: 5_000,
  });
  const deps = createDeps(config, db.db, logger, {
    hydra,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.store ? { store: opts.store } : {}),
    ...opts.deps?.(sim),
  });
  return {
    sim,
    deps,
    app: createApp(deps),
    config,
    ...(db.url ? { dbUrl: db.url } : {}),
    logs,
    channel: (name) => {
      const spec = config.channels.find((c) => c.name === name);
      if (!spec) throw new Error(`no channel ${name}`);
      return spec;
    },
    releaseCount: async () => {
      const [row] = await db.db.select({ n: count() }).from(releases);
      return row?.n ?? 0;
    },
    seedBranches: () => {
      sim.github.model.commit("master", "initial");
      const sha = sim.github.model.branchHead("master") ?? "";
      for (const c of config.channels) sim.github.model.createBranch(c.branch, sha);
      sim.github.model.commit("master", "hello: 2.12 -> 2.13");
      return sha;
    },
    close: async () => {
      await sim.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
