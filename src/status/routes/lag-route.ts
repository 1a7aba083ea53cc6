import { Hono } from "hono";
import type { ChannelSpec } from "../../config/channels-file.ts";
import { BadRequestError, NotFoundError } from "../../errors.ts";
import type { LagReadModel } from "../lag/lag-read-model.ts";
import { LagQuery, MAX_LAG_DAYS } from "../lag/lag-schema.ts";

/** `GET /api/v1/channels/{channel}/lag?days=N`: the channel's lag now and over N days (bounded: lag-schema.ts). */
export function lagRoute(deps: { channels: ChannelSpec[]; lag: LagReadModel }): Hono {
  return new Hono().get("/api/v1/channels/:channel/lag", async (c) => {
    const name = c.req.param("channel");
    const spec = deps.channels.find((s) => s.name === name);
    if (!spec) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    const query = LagQuery.safeParse(c.req.query());
    if (!query.success) {
      const got = c.req.query("days");
      throw new BadRequestError(
        `days must be a whole number from 1 to ${MAX_LAG_DAYS} (got "${got}")`,
      );
    }
    return c.json(await deps.lag.lag(spec, query.data.days));
  });
}
