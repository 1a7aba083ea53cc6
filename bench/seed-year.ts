/**
 * One year of synthetic history (10 channels, 100k commits, 3k releases, 2k evals × 200
 * constituents, events, landings, PRs) into the configured database: DATABASE_URL, else PGlite in
 * FLOODGATE_DATA_DIR. The database must have no releases or commits yet.
 * Run: npm run seed:year -- [--scale 0.05] [--seed 1] [--end 2026-11-28T00:00:00Z] [--channels 10]
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load-config.node.ts";
import { openDatabase } from "../src/db/open-db.node.ts";
import { errorMessage } from "../src/errors.ts";
import { scaleHistory, YEAR } from "../src/sim/year-history/history-shape.ts";
import { seedHistory } from "../src/sim/year-history/seed-history.ts";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    end: { type: "string" },
    channels: { type: "string", default: "10" },
  },
});
const scale = Number(values.scale);
const seed = Number(values.seed);
const channelCount = Number(values.channels);
// Today at midnight (UTC) unless told: ages on the pages look like a live service's.
const end = values.end ? new Date(values.end) : new Date(new Date().setUTCHours(0, 0, 0, 0));
if (
  !(scale > 0) ||
  !Number.isInteger(seed) ||
  !Number.isInteger(channelCount) ||
  Number.isNaN(end.getTime())
) {
  console.error("seed:year: expected --scale > 0, an integer --seed and --channels, an ISO --end");
  process.exit(2);
}

const config = loadConfig(process.env);
const where = config.databaseUrl ? "DATABASE_URL" : `PGlite in ${resolve(config.dataDir, "db")}`;
const handle = await openDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: resolve(config.dataDir),
  claim: { command: "seed:year", waitMs: 0 },
});
const started = performance.now();
try {
  const summary = await seedHistory(handle.db, {
    channels: config.channels,
    channelCount,
    shape: scale === 1 ? YEAR : scaleHistory(YEAR, scale),
    seed,
    end,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `seed:year: wrote into ${where} in ${seconds} s (seed ${seed}, end ${end.toISOString()})`,
  );
  console.log(JSON.stringify(summary, null, 2));
} catch (err) {
  console.error(`seed:year: ${errorMessage(err)}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
