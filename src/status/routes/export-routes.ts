import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { NotFoundError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { loadMetricsHistory, type MetricsHistory } from "../metrics/load-metrics-history.ts";
import { renderMetrics } from "../prometheus-metrics.ts";
import { advanceHistory } from "../read-model/advance-history.ts";
import { createBackgroundValue } from "../read-model/background-value.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import { channelStatuses } from "../read-model/channel-status.ts";

export interface ExportRoutesDeps {
  db: Db;
  channels: ChannelSpec[];
  clock: Clock;
  publicUrl: string;
  readModel: ChannelReadModel;
  logger: Logger;
}

/** How old the history behind `/metrics` (latency, green evals) may get before a reload. */
const METRICS_HISTORY_MAX_AGE_MS = 30_000;

/** Machine-readable views for existing tools: Prometheus `/metrics` and channels.nix.gsc.io's history. */
export function exportRoutes(deps: ExportRoutesDeps): Hono {
  const app = new Hono();
  const history = createBackgroundValue<MetricsHistory>({
    // Each reload counts only the releases published since the last one.
    load: (previous) => loadMetricsHistory(deps.db, deps.channels, deps.clock.now(), previous),
    maxAgeMs: METRICS_HISTORY_MAX_AGE_MS,
    onStale: (err) => deps.logger.warn("serving the last metrics history", { error: String(err) }),
  });

  app.get("/metrics", async (c) => {
    const now = deps.clock.now();
    const snapshot = await deps.readModel.current();
    const statuses = channelStatuses(deps.channels, snapshot.entries, now, deps.publicUrl);
    return c.text(renderMetrics(statuses, await history.current(), now), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  // One `<commit> <unix time>` line per advance, oldest first, as channels.nix.gsc.io served it.
  app.get("/history/:channel", async (c) => {
    const name = c.req.param("channel");
    if (!deps.channels.some((s) => s.name === name)) {
      throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    }
    const lines = (await advanceHistory(deps.db, name)).map(
      (a) => `${a.revision} ${Math.floor(a.publishedAt.getTime() / 1000)}\n`,
    );
    return c.text(lines.join(""));
  });

  return app;
}
