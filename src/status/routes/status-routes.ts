import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { NotFoundError } from "../../errors.ts";
import { listChannelStatus, listReleases } from "../channel-status.ts";
import { statusPage } from "../pages/status-page.ts";

export interface StatusRoutesDeps {
  db: Db;
  channels: ChannelSpec[];
  clock: Clock;
  publicUrl: string;
}

/** `/`, `/api/v1/channels` and `/api/v1/channels/:channel`. */
export function statusRoutes(deps: StatusRoutesDeps): Hono {
  const app = new Hono();
  const statuses = () =>
    listChannelStatus(deps.db, deps.channels, deps.clock.now(), deps.publicUrl);

  app.get("/", async (c) => c.html(statusPage(await statuses(), deps.clock.now())));

  app.get("/api/v1/channels", async (c) => c.json({ channels: await statuses() }));

  app.get("/api/v1/channels/:channel", async (c) => {
    const name = c.req.param("channel");
    const status = (await statuses()).find((s) => s.name === name);
    if (!status) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    const releases = await listReleases(deps.db, name, 20);
    return c.json({
      channel: status,
      releases: releases.map((r) => ({
        name: r.name,
        revision: r.revision,
        state: r.state,
        evalId: r.evalId,
        createdAt: r.createdAt,
        publishedAt: r.publishedAt,
        lastError: r.lastError,
      })),
    });
  });

  return app;
}
