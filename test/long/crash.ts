// Crash test: `floodgate tick` SIGKILLed at random points of a publish, restarted and ticked after
// each; prints the counts. npm run crash -- --runs 100 --db pg   (or --db pglite)
import { parseArgs } from "node:util";
import {
  crashRound,
  type RoundReport,
  startCrashRig,
  summarizeRounds,
} from "../support/crash-rounds.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100" },
    db: { type: "string", default: "pg" },
    seed: { type: "string" },
  },
});
const runs = Number(values.runs);
if (values.db === "pg") {
  process.env.FLOODGATE_TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
} else if (values.db === "pglite") {
  delete process.env.FLOODGATE_TEST_DATABASE_URL;
} else {
  throw new Error(`--db must be pg or pglite, not ${values.db}`);
}

// A seeded generator, so a failing run can be replayed with --seed.
let state = Number(values.seed ?? Date.now() % 2 ** 31);
const seed = state;
const random = () => {
  state = (state * 48271) % 2147483647;
  return state / 2147483647;
};

const started = Date.now();
const rig = await startCrashRig(`crash-${values.db}`);
console.log(
  `db ${values.db}, seed ${seed}, publish ~${rig.publishMs} ms (kills land in 0..${Math.round(rig.publishMs * 1.15)} ms after its first download)`,
);
const reports: RoundReport[] = [];
try {
  for (let round = 1; round <= runs; round++) {
    const r = await crashRound(rig, round, random);
    reports.push(r);
    const flag = r.problems.length ? `  PROBLEMS: ${r.problems.join("; ")}` : "";
    console.log(
      `run ${round}/${runs}: kill +${r.killAfterMs} ms in ${r.phase}; served after kill ${r.servedAfterKill}; temps ${r.tempsAfterKill} -> ${r.tempsAfterRecovery}; recovered in ${r.recoveryTicks} tick(s)${flag}`,
    );
  }
} finally {
  await rig.close();
}
console.log(
  JSON.stringify(
    {
      db: values.db,
      seed,
      minutes: +((Date.now() - started) / 60_000).toFixed(1),
      ...summarizeRounds(reports),
    },
    null,
    2,
  ),
);
