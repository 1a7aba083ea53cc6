import type { Context } from "hono";
import type { AdminActor } from "../../../channels/admin-action.ts";
import type { AdminEnv } from "./require-admin.ts";

export const httpActor = (c: Context<AdminEnv>): AdminActor => ({
  label: c.get("adminLabel"),
  via: "http",
});
