import { Hono } from "hono";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import { parseAdminInput } from "../../../channels/admin-inputs.ts";
import { pinChannel } from "../../../channels/pin-channel.ts";
import { httpActor } from "./admin-actor.ts";
import { readJsonBody } from "./read-body.ts";
import type { AdminEnv } from "./require-admin.ts";

/** `POST /api/v1/channels/{channel}/pin` `{"release": "<published release>", "reason"?}`. */
export function pinRoute(deps: AdminDeps): Hono<AdminEnv> {
  return new Hono<AdminEnv>().post("/api/v1/channels/:channel/pin", async (c) => {
    const input = parseAdminInput("pin", await readJsonBody(c));
    return c.json(await pinChannel(deps, c.req.param("channel"), input, httpActor(c)));
  });
}
