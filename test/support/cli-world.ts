import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChannelSpec } from "../../src/config/channels-file.ts";
import { scenarioChannels } from "../../src/sim/scenario.ts";
import { type Simulator, startSimulator } from "../../src/sim/simulator.node.ts";
import { createTestDb } from "./test-db.ts";

/** What a CLI test runs `floodgate` against: the simulator, a data dir, a channels file. */
export interface CliWorld {
  sim: Simulator;
  dir: string;
  /** The process environment for `floodgate`; on PostgreSQL it names a database of its own. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startCliWorld(
  prefix: string,
  extraEnv: Record<string, string> = {},
): Promise<CliWorld> {
  const sim = await startSimulator();
  const dir = mkdtempSync(join(tmpdir(), `floodgate-${prefix}-`));
  const channelsFile = join(dir, "channels.json");
  writeFileSync(channelsFile, JSON.stringify({ channels: scenarioChannels }));
  const env: Record<string, string> = {
    ...sim.env,
    FLOODGATE_DATA_DIR: join(dir, "data"),
    FLOODGATE_CHANNELS: channelsFile,
    ...extraEnv,
  };
  // On PostgreSQL the CLI gets a database of its own, like every test file.
  const ownDb = process.env.FLOODGATE_TEST_DATABASE_URL ? await createTestDb() : undefined;
  if (ownDb) env.DATABASE_URL = ownDb.url ?? "";
  return {
    sim,
    dir,
    env,
    close: async () => {
      await ownDb?.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh nixpkgs: one commit on master, and every scenario channel's branch pointing at it. */
export function seedChannelBranches(sim: Simulator): string {
  sim.github.model.commit("master", "initial");
  const head = sim.github.model.branchHead("master") ?? "";
  for (const c of scenarioChannels)
    sim.github.model.createBranch(ChannelSpec.parse(c).branch, head);
  return head;
}
