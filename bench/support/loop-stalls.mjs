// Preloaded into `floodgate serve` by the load bench (NODE_OPTIONS=--import): once a second, the
// longest event-loop stall of that second when over 200 ms, as a JSON line on stderr, so a burst of
// client timeouts can be matched with what blocked the loop (a synchronous WASM query, a repack).
import { monitorEventLoopDelay } from "node:perf_hooks";

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
setInterval(() => {
  const maxMs = Math.round(histogram.max / 1e6);
  if (maxMs > 200) {
    process.stderr.write(
      `${JSON.stringify({ t: new Date().toISOString(), msg: "loop stall", maxMs })}\n`,
    );
  }
  histogram.reset();
}, 1000).unref();
