// One command measured as a process tree: wall time, CPU time (user + sys, less sensitive to a
// shared machine's load than wall time) and peak RSS of its largest process, via GNU time.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ProcessSample {
  seconds: number;
  cpuSeconds: number;
  rssMiB: number;
  /** The first word of its stdout (a hash, for the caller to compare). */
  out: string;
}

export async function measureCommand(cmd: string): Promise<ProcessSample> {
  const args = ["-f", "TIME %e %U %S %M", "sh", "-c", cmd];
  const { stdout, stderr } = await run("/usr/bin/time", args, { maxBuffer: 1 << 20 });
  const [, seconds = "0", user = "0", sys = "0", kib = "0"] =
    /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr) ?? [];
  return {
    seconds: Number(seconds),
    cpuSeconds: Number(user) + Number(sys),
    rssMiB: Number(kib) / 1024,
    out: stdout.trim().split(/\s/)[0] ?? "",
  };
}

/**
 * Bundles a TypeScript runner into `dir` with esbuild, so the measured process runs floodgate's
 * code without the TypeScript loader (its start-up and memory are no part of what is measured).
 */
export async function bundleRunner(entry: string, dir: string): Promise<string> {
  const out = join(dir, `${entry.replace(/^.*\//, "").replace(/\.ts$/, "")}.mjs`);
  const flags = ["--bundle", "--platform=node", "--format=esm", "--log-level=warning"];
  await run("npx", ["esbuild", entry, ...flags, `--outfile=${out}`]);
  return out;
}

/** Median wall and CPU time and the highest peak RSS of several samples. */
export function summarize(samples: ProcessSample[]) {
  const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return {
    seconds: median(samples.map((s) => s.seconds)),
    cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
    rssMiB: Math.max(...samples.map((s) => s.rssMiB)),
  };
}

export function formatRow(name: string, s: ReturnType<typeof summarize>): string {
  const wall = `${s.seconds.toFixed(2)} s wall`;
  return `  ${name.padEnd(34)} ${wall}  ${s.cpuSeconds.toFixed(2)} s CPU  peak RSS ${s.rssMiB.toFixed(0)} MiB`;
}
