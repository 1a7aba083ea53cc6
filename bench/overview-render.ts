/**
 * One re-rendering of `/` with a year of history, timed in-process: what the page cache's
 * background re-rendering (every 30 s) costs the event loop. `serve`'s wiring over a copy of a
 * seeded data dir, a clock moved 30 s per rendering; the lag history is refreshed (in the
 * background, as in serve) when it is past its age; then the JS heap the lag history holds.
 * Run: npm run bench:overview-render -- --pglite DIR (a copy: PGlite writes to it) [--renders 20]
 *   Heap figures need a collection first: NODE_OPTIONS=--expose-gc; a profile: --cpu-prof there too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import defaultChannels from "../src/config/channels.default.json" with { type: "json" };
import { parseConfig } from "../src/config/config.ts";
import { createDbUpstreamCache } from "../src/db/upstream-cache.ts";
import { openRuntime } from "../src/entry/runtime.node.ts";
import { silentLogger } from "../src/log.ts";
import { syntheticChannels } from "../src/sim/year-history/seed-history.ts";
import { noWebAssets } from "../src/status/assets/web-assets.ts";
import { createBlockerIssuesModel } from "../src/status/blockers/blocker-issues-model.ts";
import {
  createLagReadModel,
  LAG_HISTORY_QUIET_MAX_AGE_MS,
} from "../src/status/lag/lag-read-model.ts";
import { DEFAULT_LAG_DAYS } from "../src/status/lag/lag-schema.ts";
import { pageContext } from "../src/status/pages/layout.ts";
import { PAGE_RENDER_MAX_AGE_MS } from "../src/status/routes/cached-pages.ts";
import { statusRoutes } from "../src/status/routes/status-routes.ts";

const { values } = parseArgs({
  options: { pglite: { type: "string" }, renders: { type: "string", default: "20" } },
});
if (!values.pglite) throw new Error("--pglite DIR (a copy of a seeded data dir) is required");
const RENDERS = Number(values.renders);
const NOWHERE = "http://127.0.0.1:9";

const padding = syntheticChannels(10 - defaultChannels.channels.length);
const graph: Record<string, string[]> = { ...defaultChannels.graph };
graph.master = [...(graph.master ?? []), ...padding.map((c) => c.name)];
const scratch = mkdtempSync(join(tmpdir(), "floodgate-overview-render-"));
const config = parseConfig(
  {
    FLOODGATE_DATA_DIR: values.pglite,
    FLOODGATE_STORAGE: `file://${scratch}`,
    FLOODGATE_HYDRA_URL: NOWHERE,
    FLOODGATE_GITHUB_API_URL: NOWHERE,
    FLOODGATE_BINARY_CACHE_URL: NOWHERE,
  },
  { raw: { graph, channels: [...defaultChannels.channels, ...padding] }, source: "bench" },
);
let nowMs = Date.now();
const clock = { now: () => new Date(nowMs) };
const runtime = await openRuntime(config, silentLogger, { command: "bench", waitMs: 0 }, clock);
const { deps } = runtime;
const lag = createLagReadModel({ ...deps, maxAgeMs: LAG_HISTORY_QUIET_MAX_AGE_MS });
const routes = statusRoutes({
  ...deps,
  readModel: runtime.readModel,
  page: pageContext(deps.webAssets ?? noWebAssets, deps.repoUrl),
  blockers: createBlockerIssuesModel({
    upstreamCache: createDbUpstreamCache(deps.db),
    channels: deps.channels.map((c) => c.name),
  }),
  lag,
});

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const render = async () => {
  const started = performance.now();
  const res = await routes.request("/");
  const body = await res.text();
  if (res.status !== 200) throw new Error(`/: HTTP ${res.status}`);
  return { ms: performance.now() - started, bytes: body.length };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

try {
  console.log(`overview-render: ${deps.channels.length} channels, load ${load()}`);
  const heapBefore = heapMiB();
  const cold = await render();
  console.log(`  first rendering (loads 30-day lag windows): ${cold.ms.toFixed(0)} ms`);
  const heapOverview = heapMiB();
  const plain: number[] = [];
  const refreshing: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    nowMs += PAGE_RENDER_MAX_AGE_MS;
    const before = process.cpuUsage();
    const { ms } = await render();
    // Past the lag history's age, the rendering starts its refreshes: wait for them (serve's event
    // loop runs them right after), so their CPU counts towards this rendering.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cpu = process.cpuUsage(before);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    (cpuMs > ms + 50 ? refreshing : plain).push(ms);
    if (i < 3 || cpuMs > ms + 50)
      console.log(
        `  rendering ${i + 1}: ${ms.toFixed(1)} ms (cpu with refreshes ${cpuMs.toFixed(0)} ms)`,
      );
  }
  console.log(
    `  re-rendering of / (lag history current): median ${median(plain).toFixed(1)} ms, max ${Math.max(...plain).toFixed(1)} ms over ${plain.length}; load ${load()}`,
  );
  for (const spec of deps.channels) await lag.lag(spec, DEFAULT_LAG_DAYS);
  const heapBoth = heapMiB();
  // What each channel page and lag JSON re-rendering computes: the whole lag of 90 days.
  const whole: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    for (const spec of deps.channels) await lag.lag(spec, DEFAULT_LAG_DAYS);
    whole.push(performance.now() - started);
  }
  console.log(
    `  whole lag of ${DEFAULT_LAG_DAYS} days, all ${deps.channels.length} channels: median ${median(whole).toFixed(1)} ms`,
  );
  console.log(
    `  JS heap: ${heapBefore.toFixed(1)} MiB before, +${(heapOverview - heapBefore).toFixed(1)} MiB with the overview's lag windows, +${(heapBoth - heapBefore).toFixed(1)} MiB with the 90-day ones too${gc ? "" : " (no --expose-gc: not collected first)"}`,
  );
} finally {
  await runtime.close();
  rmSync(scratch, { recursive: true, force: true });
}
