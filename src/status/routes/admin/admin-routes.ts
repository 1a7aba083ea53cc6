import { Hono } from "hono";
import type { AdminDeps } from "../../../channels/admin-action.ts";
import type { AdminToken } from "../../../config/admin-tokens.ts";
import { adminActions } from "../../../db/schema.ts";
import { acceptRoute } from "./accept-route.ts";
import { freezeRoute } from "./freeze-route.ts";
import { pinRoute } from "./pin-route.ts";
import { limitAdminBody } from "./read-body.ts";
import { type AdminEnv, requireAdmin } from "./require-admin.ts";
import { retryRoute } from "./retry-route.ts";
import { unfreezeRoute } from "./unfreeze-route.ts";
import { unpinRoute } from "./unpin-route.ts";

/**
 * The admin API (DESIGN.md "Served URLs", Admin): every POST is size-limited and needs a bearer
 * token before its handler runs. With no token configured nothing is mounted: the paths are 404.
 */
export function adminRoutes(deps: AdminDeps, tokens: AdminToken[]): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  if (tokens.length === 0) return app;
  const auth = requireAdmin(tokens);
  for (const action of adminActions) {
    app.post(`/api/v1/channels/:channel/${action}`, limitAdminBody, auth);
  }
  for (const route of [freezeRoute, unfreezeRoute, pinRoute, unpinRoute, retryRoute, acceptRoute]) {
    app.route("/", route(deps));
  }
  return app;
}
