// Preloaded into a benchmarked `floodgate serve` (node --import, e.g. BENCH_NODE_ARGS="--import
// ./bench/support/loop-probe.mjs"): counts the event loop's stalls, the moments no request can be
// answered, and prints them to stderr when the process exits (and on SIGUSR2, then starts over).
// A stall is a gap over STALL_MS between two ticks of a 2 ms timer. On a shared machine the
// process is also descheduled, so each stall carries the main thread's CPU time within it
// (/proc/self/task/<pid>/stat): a stall with little CPU is the machine's (or a synchronous wait on
// the disk), one with CPU is the process's own work (a render, a PGlite query, a GC).
import { closeSync, openSync, readSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";

const STALL_MS = 10;
const TICK_MS = 2;
const started = performance.now();
let histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
let stalls = [];
let gcs = [];

// utime and stime of the main thread (fields 14 and 15, in clock ticks of 10 ms).
const statFd = openSync(`/proc/self/task/${process.pid}/stat`, "r");
const statBuffer = Buffer.alloc(1024);
const cpuMs = () => {
  const n = readSync(statFd, statBuffer, 0, statBuffer.length, 0);
  const text = statBuffer.toString("latin1", 0, n);
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
process.on("exit", () => closeSync(statFd));
let last = performance.now();
let lastCpu = cpuMs();
setInterval(() => {
  const now = performance.now();
  const cpu = cpuMs();
  const gap = now - last - TICK_MS;
  if (gap > STALL_MS) {
    const used = cpu - lastCpu;
    stalls.push({ atS: (last - started) / 1000, ms: gap, cpuMs: used, busy: used >= STALL_MS });
  }
  last = now;
  lastCpu = cpu;
}, TICK_MS).unref();

const KINDS = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb", 16: "incremental" };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcs.push({ atS: (e.startTime - started) / 1000, ms: e.duration, kind: KINDS[e.detail?.kind] });
  }
}).observe({ entryTypes: ["gc"] });

function summary() {
  const ms = (ns) => Math.round(ns / 1e5) / 10;
  const round = (n) => Math.round(n * 10) / 10;
  const gcMs = {};
  for (const g of gcs) gcMs[g.kind] = round((gcMs[g.kind] ?? 0) + g.ms);
  const busy = stalls.filter((s) => s.busy);
  const slow = [...busy].sort((a, b) => b.ms - a.ms).slice(0, 12);
  return {
    delayMs: {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    },
    busyStallsOver10ms: busy.length,
    busyStallsOver50ms: busy.filter((s) => s.ms > 50).length,
    busyStalledMs: round(busy.reduce((sum, s) => sum + s.ms, 0)),
    // Under STALL_MS of the main thread's CPU: descheduled, or a synchronous wait (disk).
    waitingStalls: stalls.length - busy.length,
    worstBusy: slow.map((s) => `${round(s.atS)}s:${round(s.ms)}ms(cpu ${s.cpuMs})`),
    gcMs,
    gcOver10ms: gcs
      .filter((g) => g.ms > 10)
      .map((g) => `${round(g.atS)}s:${g.kind}:${round(g.ms)}ms`)
      .slice(0, 20),
  };
}

function print(why) {
  process.stderr.write(`loop-probe (${why}) ${JSON.stringify(summary())}\n`);
}

process.on("exit", () => print("exit"));
process.on("SIGUSR2", () => {
  print("SIGUSR2");
  histogram.disable();
  histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  stalls = [];
  gcs = [];
});
