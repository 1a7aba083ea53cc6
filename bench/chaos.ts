// A long simulated run under upstream chaos: `npm run chaos -- --minutes 10 [--rate 0.1] [--seed 1]`.
// Prints the duration, faults injected by kind, advances and wrong advances; exits 1 on any wrong
// advance, unseen outcome, crash or missing recovery. The quick variant runs in `npm test`
// (test/integration/upstream-chaos.test.ts).
import { parseArgs } from "node:util";
import { runChaos } from "../test/support/chaos-run.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "2" },
    rate: { type: "string", default: "0.1" },
    seed: { type: "string", default: "1" },
    "recovery-minutes": { type: "string", default: "2" },
  },
});
const chaosMs = Number(values.minutes) * 60_000;
const started = Date.now();
const result = await runChaos({
  chaosMs,
  recoveryMs: Number(values["recovery-minutes"]) * 60_000,
  seed: Number(values.seed),
  rate: Number(values.rate),
  progress: (line) =>
    process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0)}s ${line}\n`),
});
const total = Object.values(result.faults).reduce((a, b) => a + (b ?? 0), 0);
const report = {
  command: `npm run chaos -- --minutes ${values.minutes} --rate ${values.rate} --seed ${values.seed}`,
  chaosSeconds: chaosMs / 1000,
  wallSeconds: Math.round((Date.now() - started) / 1000),
  rounds: result.rounds,
  evals: result.evals,
  faultsInjected: total,
  faultsByKind: result.faults,
  faultsByUpstream: result.faultsByUpstream,
  tickOutcomes: result.outcomes,
  advances: result.advances,
  branchUpdates: result.branchUpdates,
  wrongAdvances: result.wrong.length,
  wrong: result.wrong,
  unseenOutcomes: result.unseen,
  crashes: result.crashes,
  recoverySeconds: result.recoveryMs === null ? null : result.recoveryMs / 1000,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
const ok =
  result.wrong.length === 0 &&
  result.unseen.length === 0 &&
  result.crashes.length === 0 &&
  result.recoveryMs !== null;
process.exit(ok ? 0 : 1);
