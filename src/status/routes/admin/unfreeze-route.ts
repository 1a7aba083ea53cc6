import { Hono } from "hono";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import { parseAdminInput } from "../../../channels/admin-inputs.ts";
import { unfreezeChannel } from "../../../channels/freeze-channel.ts";
import { httpActor } from "./admin-actor.ts";
import { readJsonBody } from "./read-body.ts";
import type { AdminEnv } from "./require-admin.ts";

/** `POST /api/v1/channels/{channel}/unfreeze`: no body needed. */
export function unfreezeRoute(deps: AdminDeps): Hono<AdminEnv> {
  return new Hono<AdminEnv>().post("/api/v1/channels/:channel/unfreeze", async (c) => {
    const input = parseAdminInput("unfreeze", await readJsonBody(c));
    return c.json(await unfreezeChannel(deps, c.req.param("channel"), input, httpActor(c)));
  });
}
