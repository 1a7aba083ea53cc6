import { Hono } from "hono";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import { parseAdminInput } from "../../../channels/admin-inputs.ts";
import { retryChannel } from "../../../channels/retry-channel.ts";
import { httpActor } from "./admin-actor.ts";
import { readJsonBody } from "./read-body.ts";
import type { AdminEnv } from "./require-admin.ts";

/** `POST /api/v1/channels/{channel}/retry`: restarts a failed release step (409 when none). */
export function retryRoute(deps: AdminDeps): Hono<AdminEnv> {
  return new Hono<AdminEnv>().post("/api/v1/channels/:channel/retry", async (c) => {
    const input = parseAdminInput("retry", await readJsonBody(c));
    return c.json(await retryChannel(deps, c.req.param("channel"), input, httpActor(c)));
  });
}
