import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { NotFoundError } from "../../errors.ts";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import { channelPageExtras } from "../channel-extras.ts";
import type { LagReadModel } from "../lag/lag-read-model.ts";
import { loadOverview } from "../overview.ts";
import { channelPage } from "../pages/channel-page.ts";
import type { PageContext } from "../pages/layout.ts";
import { statusPage } from "../pages/status-page.ts";
import type { BackgroundValue } from "../read-model/background-value.ts";
import { createChannelDetailModel } from "../read-model/channel-detail-model.ts";
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
  lag: LagReadModel;
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

  app.get("/", async (c) => {
    const now = deps.clock.now();
    const rows = await loadOverview({ ...deps, strip: details.strip }, await statuses());
    return c.html(statusPage(deps.page, rows, now, await deps.blockers.current()));
  });

  app.get("/api/v1/channels", async (c) => c.json({ channels: await statuses() }));

  // About ten queries per channel, run once per read-model generation, not per request or render.
  const details = createChannelDetailModel(deps);
  const detail = (name: string) => details.detail(name);

  // From the cached read model, as the tick stored it: no database round trip.
  app.get("/api/v1/channels/:channel/unblock", async (c) => {
    const name = c.req.param("channel");
    const status = (await statuses()).find((s) => s.name === name);
    if (!status) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    return c.json({ channel: name, state: status.state, unblock: status.unblock });
  });

  app.get("/api/v1/channels/:channel", async (c) => c.json(await detail(c.req.param("channel"))));

  app.get("/channels/:channel", async (c) => {
    const d = await detail(c.req.param("channel"));
    const now = deps.clock.now();
    const extras = await channelPageExtras(deps, d, await details.pageFacts(d.channel.name));
    return c.html(
      channelPage(deps.page, d, extras, deps.hydraUrl, now, await deps.blockers.current()),
    );
  });

  return app;
}
