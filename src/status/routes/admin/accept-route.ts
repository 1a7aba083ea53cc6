import { Hono } from "hono";
import { acceptEval } from "../../../channels/accept-eval.ts";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import { parseAdminInput } from "../../../channels/admin-inputs.ts";
import { httpActor } from "./admin-actor.ts";
import { readJsonBody } from "./read-body.ts";
import type { AdminEnv } from "./require-admin.ts";

/** `POST /api/v1/channels/{channel}/accept` `{"eval": id, "constituents": […], "reason": "…"}`. */
export function acceptRoute(deps: AdminDeps): Hono<AdminEnv> {
  return new Hono<AdminEnv>().post("/api/v1/channels/:channel/accept", async (c) => {
    const input = parseAdminInput("accept", await readJsonBody(c));
    return c.json(await acceptEval(deps, c.req.param("channel"), input, httpActor(c)));
  });
}
