import { Hono } from "hono";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { NotFoundError } from "../../errors.ts";
import { listAuditEntries } from "../read-model/audit-entries.ts";

/** `GET /api/v1/channels/{channel}/audit`: public, newest first; labels only, never tokens. */
export function auditRoute(deps: { db: Db; channels: ChannelSpec[] }): Hono {
  return new Hono().get("/api/v1/channels/:channel/audit", async (c) => {
    const channel = c.req.param("channel");
    if (!deps.channels.some((s) => s.name === channel)) {
      throw new NotFoundError(`unknown channel "${channel}"`, { channel });
    }
    return c.json({ channel, entries: await listAuditEntries(deps.db, channel) });
  });
}
