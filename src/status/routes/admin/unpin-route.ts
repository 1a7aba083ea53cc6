import { Hono } from "hono";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import { parseAdminInput } from "../../../channels/admin-inputs.ts";
import { unpinChannel } from "../../../channels/pin-channel.ts";
import { httpActor } from "./admin-actor.ts";
import { readJsonBody } from "./read-body.ts";
import type { AdminEnv } from "./require-admin.ts";

/** `POST /api/v1/channels/{channel}/unpin`: serves the newest release again; the tick may advance. */
export function unpinRoute(deps: AdminDeps): Hono<AdminEnv> {
  return new Hono<AdminEnv>().post("/api/v1/channels/:channel/unpin", async (c) => {
    const input = parseAdminInput("unpin", await readJsonBody(c));
    return c.json(await unpinChannel(deps, c.req.param("channel"), input, httpActor(c)));
  });
}
