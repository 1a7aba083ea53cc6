import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import { channelPage } from "../pages/channel-page.ts";
import type { PageContext } from "../pages/layout.ts";
import { statusPage } from "../pages/status-page.ts";
import type { BackgroundValue } from "../read-model/background-value.ts";
import { channelDetail } from "../read-model/channel-detail.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import { channelStatuses } from "../read-model/channel-status.ts";

export interface StatusRoutesDeps {
  db: Db;
  channels: ChannelSpec[];
  clock: Clock;
  publicUrl: string;
  hydraUrl: string;
  readModel: ChannelReadModel;
  page: PageContext;
  /** The open channel-blocker issues the tick stored (the banner). */
  blockers: BackgroundValue<BlockerIssue[]>;
}

/** `/`, `/channels/:channel` and their JSON under `/api/v1/channels`. */
export function statusRoutes(deps: StatusRoutesDeps): Hono {
  const app = new Hono();
  const statuses = async () =>
    channelStatuses(
      deps.channels,
      (await deps.readModel.current()).entries,
      deps.clock.now(),
      deps.publicUrl,
    );

  app.get("/", async (c) =>
    c.html(
      statusPage(deps.page, await statuses(), deps.clock.now(), await deps.blockers.current()),
    ),
  );

  app.get("/api/v1/channels", async (c) => c.json({ channels: await statuses() }));

  const detail = (name: string) =>
    channelDetail(deps.db, deps.channels, name, deps.clock.now(), {
      publicUrl: deps.publicUrl,
      hydraUrl: deps.hydraUrl,
    });

  app.get("/api/v1/channels/:channel", async (c) => c.json(await detail(c.req.param("channel"))));

  app.get("/channels/:channel", async (c) =>
    c.html(
      channelPage(
        deps.page,
        await detail(c.req.param("channel")),
        deps.hydraUrl,
        await deps.blockers.current(),
      ),
    ),
  );

  return app;
}
