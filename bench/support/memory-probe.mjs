// Preloaded into a benchmarked `floodgate serve` (node --import): on SIGUSR2 it writes the
// process's memory, split by who holds it, as one JSON line to the file in FLOODGATE_MEMORY_PROBE.
// PGlite's heap (a WebAssembly memory, counted in `external`) is found in /proc/self/smaps.
import { readFileSync, writeFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const out = process.env.FLOODGATE_MEMORY_PROBE;
if (out) {
  process.on("SIGUSR2", () => {
    const usage = process.memoryUsage();
    const mib = (n) => Math.round((n / 2 ** 20) * 10) / 10;
    writeFileSync(
      out,
      `${JSON.stringify({
        rssMiB: mib(usage.rss),
        jsHeapUsedMiB: mib(usage.heapUsed),
        jsHeapTotalMiB: mib(usage.heapTotal),
        externalMiB: mib(usage.external),
        arrayBuffersMiB: mib(usage.arrayBuffers),
        wasmResidentMiB: mib(wasmResidentBytes()),
        residentByMappingMiB: Object.fromEntries(
          Object.entries(residentByMapping()).map(([kind, bytes]) => [kind, mib(bytes)]),
        ),
        heapSpacesMiB: Object.fromEntries(
          getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.space_used_size)]),
        ),
      })}\n`,
    );
  });
}

/**
 * Resident bytes of anonymous read-write mappings over 64 MiB: WebAssembly memories (PGlite's heap
 * is one mapping as big as the memory). glibc's malloc arenas reserve at most 64 MiB each, and V8's
 * heap comes in small pages, so neither is counted.
 */
function wasmResidentBytes() {
  let resident = 0;
  let anonymousReadWrite = false;
  let big = false;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) anonymousReadWrite = mapping[1] === "rw-p" && mapping[2] === "";
    const size = /^Size:\s+(\d+) kB/.exec(line);
    if (size) big = Number(size[1]) > 64 * 1024;
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && big && anonymousReadWrite) resident += Number(rss[1]) * 1024;
  }
  return resident;
}

/**
 * Resident bytes by kind of mapping: the node binary and other files (code, read in), glibc's
 * malloc ([heap] and the per-thread arenas, 64 MiB reservations), WebAssembly memories (anonymous,
 * over 64 MiB) and the rest of the anonymous memory (V8's heaps of every isolate, thread stacks).
 */
function residentByMapping() {
  const totals = {
    nodeBinary: 0,
    otherFiles: 0,
    mallocHeap: 0,
    mallocArenas: 0,
    wasm: 0,
    otherAnonymous: 0,
  };
  let kind = "otherAnonymous";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const size = Number.parseInt(mapping[2], 16) - Number.parseInt(mapping[1], 16);
      const name = mapping[4];
      if (name === "[heap]") kind = "mallocHeap";
      else if (name.startsWith("/")) kind = name === process.execPath ? "nodeBinary" : "otherFiles";
      else if (size > 64 * 2 ** 20) kind = "wasm";
      // An arena is carved from a 64 MiB-aligned reservation: its used part, then the rest ---p.
      else if (name === "" && Number.parseInt(mapping[1], 16) % (64 * 2 ** 20) === 0)
        kind = "mallocArenas";
      else kind = "otherAnonymous";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) totals[kind] += Number(rss[1]) * 1024;
  }
  return totals;
}
