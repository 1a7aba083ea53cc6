import { Hono } from "hono";
import { z } from "zod";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { AppError, NotFoundError } from "../../errors.ts";
import { alertViews } from "../read-model/alert-view.ts";

export interface AlertRoutesDeps {
  db: Db;
  channels: ChannelSpec[];
}

export const AlertQuery = z.object({
  channel: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});

/** `GET /api/v1/alerts`: every alert, sent, pending or failed, newest first; `?channel=`, `?limit=` (≤ 200), `?before=<id>`. */
export function alertRoutes(deps: AlertRoutesDeps): Hono {
  const app = new Hono();
  app.get("/api/v1/alerts", async (c) => {
    const parsed = AlertQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new AppError(
        "BAD_REQUEST",
        `bad query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    const { channel, limit, before } = parsed.data;
    if (channel && !deps.channels.some((s) => s.name === channel)) {
      throw new NotFoundError(`unknown channel "${channel}"`, { channel });
    }
    const alerts = await alertViews(deps.db, { channel, limit, before });
    const next = alerts.length === limit ? alerts.at(-1)?.id : undefined;
    return c.json({
      alerts,
      ...(next
        ? {
            next: `/api/v1/alerts?${new URLSearchParams({ ...(channel ? { channel } : {}), limit: String(limit), before: String(next) })}`,
          }
        : {}),
    });
  });
  return app;
}
