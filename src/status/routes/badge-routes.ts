import { Hono } from "hono";
import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import { NotFoundError } from "../../errors.ts";
import { BADGE_CONTENT_TYPE, renderBadge } from "../badges/badge-svg.ts";
import { channelBadge } from "../badges/channel-badge.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import { channelStatuses } from "../read-model/channel-status.ts";

export interface BadgeRoutesDeps {
  channels: ChannelSpec[];
  clock: Clock;
  publicUrl: string;
  readModel: ChannelReadModel;
}

/** `/badges/{channel}.svg`: the channel's age and state as a shields-style badge, from memory. */
export function badgeRoutes(deps: BadgeRoutesDeps): Hono {
  const app = new Hono();
  app.get("/badges/:file{.+\\.svg}", async (c) => {
    const name = c.req.param("file").slice(0, -".svg".length);
    const spec = deps.channels.find((s) => s.name === name);
    if (!spec) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    const snapshot = await deps.readModel.current();
    const [status] = channelStatuses([spec], snapshot.entries, deps.clock.now(), deps.publicUrl);
    if (!status) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    const badge = channelBadge(status);
    return c.body(renderBadge(badge.label, badge.message, badge.colour), 200, {
      "Content-Type": BADGE_CONTENT_TYPE,
    });
  });
  return app;
}
