import { Hono } from "hono";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import { parseAdminInput } from "../../../channels/admin-inputs.ts";
import { freezeChannel } from "../../../channels/freeze-channel.ts";
import { httpActor } from "./admin-actor.ts";
import { readJsonBody } from "./read-body.ts";
import type { AdminEnv } from "./require-admin.ts";

/** `POST /api/v1/channels/{channel}/freeze` `{"reason": "…"}`: the channel stops advancing. */
export function freezeRoute(deps: AdminDeps): Hono<AdminEnv> {
  return new Hono<AdminEnv>().post("/api/v1/channels/:channel/freeze", async (c) => {
    const input = parseAdminInput("freeze", await readJsonBody(c));
    return c.json(await freezeChannel(deps, c.req.param("channel"), input, httpActor(c)));
  });
}
