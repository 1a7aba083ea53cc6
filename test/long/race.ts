// Race test: two `floodgate tick` loops and two `floodgate serve` replicas (scheduler on) on one
// PostgreSQL database, N simulated advances; prints the counts. npm run race -- --advances 50
import { parseArgs } from "node:util";
import { runRace } from "../support/race-rounds.ts";

const { values } = parseArgs({
  options: { advances: { type: "string", default: "50" }, wait: { type: "string", default: "90" } },
});
process.env.FLOODGATE_TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
const report = await runRace({
  advances: Number(values.advances),
  waitMs: Number(values.wait) * 1000,
  log: (line) => console.log(line),
});
console.log(JSON.stringify(report, null, 2));
const failed =
  report.published !== report.advances ||
  report.publishedRows !== report.expectedReleases ||
  report.doubleAdvances.length + report.doublePatches.length + report.missingPatches.length > 0 ||
  report.overlaps.length + report.disagreements.length > 0;
process.exit(failed ? 1 : 0);
