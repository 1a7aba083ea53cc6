import { request } from "node:http";
import { Hono } from "hono";
import type { AdminActor, AdminResult } from "../channels/admin-action.ts";
import { runAdminAction } from "../channels/run-admin-action.ts";
import { type AdminAction, adminActions } from "../db/schema.ts";
import { AppError, errorCode, errorMessage } from "../errors.ts";
import { readJsonBody } from "../status/routes/admin/read-body.ts";
import type { OwnerControl } from "./owner-control.node.ts";
import type { Runtime } from "./runtime.node.ts";

const STATUS: Record<string, 400 | 404 | 409> = { BAD_REQUEST: 400, NOT_FOUND: 404, CONFLICT: 409 };

/**
 * On serve's control endpoint: an admin action from a CLI on this machine. The control token is
 * readable only by the user who runs serve, so the CLI's local user name is taken as its actor.
 */
export function ownerAdminRoutes(rt: Pick<Runtime, "deps">): Hono {
  return new Hono().post("/admin/:action/:channel", async (c) => {
    const action = c.req.param("action");
    if (!adminActions.some((a) => a === action)) {
      return c.json({ error: { code: "NOT_FOUND", message: `no admin action "${action}"` } }, 404);
    }
    try {
      // safe because only floodgate's own CLI holds the control token and sends this shape.
      const body = ((await readJsonBody(c)) ?? {}) as { input?: unknown; actor?: unknown };
      const actor: AdminActor = { label: String(body.actor ?? "unknown"), via: "cli" };
      // safe because `action` was just found in adminActions.
      const verb = action as AdminAction;
      return c.json(await runAdminAction(rt.deps, verb, c.req.param("channel"), body.input, actor));
    } catch (err) {
      const status = STATUS[errorCode(err)];
      if (!status) throw err;
      return c.json({ error: { code: errorCode(err), message: errorMessage(err) } }, status);
    }
  });
}

/** Has the owning `serve` run an admin action for the local user; its refusals keep their code. */
export function adminThroughOwner(
  control: OwnerControl,
  action: AdminAction,
  channel: string,
  input: unknown,
  actor: AdminActor,
): Promise<AdminResult> {
  const path = `/admin/${action}/${encodeURIComponent(channel)}`;
  const body = JSON.stringify({ input, actor: actor.label });
  return new Promise((resolve, reject) => {
    const unreachable = (message: string, cause?: unknown) =>
      reject(new AppError("OWNER_UNREACHABLE", `serve's control endpoint: ${message}`, { cause }));
    const req = request(
      new URL(path, control.url),
      {
        method: "POST",
        headers: { authorization: `Bearer ${control.token}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let parsed: { error?: { code: string; message: string } };
          try {
            parsed = JSON.parse(text) as typeof parsed;
          } catch (err) {
            return unreachable(`HTTP ${res.statusCode}: not JSON`, err);
          }
          // safe because serve answers with runAdminAction's own result.
          if (res.statusCode === 200) return resolve(parsed as unknown as AdminResult);
          if (parsed.error) return reject(new AppError(parsed.error.code, parsed.error.message));
          unreachable(`HTTP ${res.statusCode}`);
        });
      },
    );
    req.on("error", (err) => unreachable(err.message, err));
    req.end(body);
  });
}
