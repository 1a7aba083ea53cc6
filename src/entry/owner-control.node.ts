import { randomBytes, timingSafeEqual } from "node:crypto";
import { request } from "node:http";
import { Hono } from "hono";
import { tickAll } from "../channels/tick-all.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { AppError, type DataDirOwner } from "../errors.ts";
import { type LoopbackServer, serveOnLoopback } from "../sim/serve.node.ts";
import { type ChannelStatus, listChannelStatus } from "../status/read-model/channel-status.ts";
import { limitAdminBody } from "../status/routes/admin/read-body.ts";
import { ownerAdminRoutes } from "./admin-through-owner.node.ts";
import type { Runtime } from "./runtime.node.ts";

export type OwnerControl = NonNullable<DataDirOwner["control"]>;

/**
 * `serve`'s private endpoint on 127.0.0.1 for the CLI commands that need its embedded database
 * (`status`, `tick`, `admin`). The bearer token is only in the data dir's lock file (mode 0600).
 */
export async function startOwnerControl(
  rt: Runtime,
): Promise<{ control: OwnerControl; server: LoopbackServer }> {
  const token = randomBytes(32).toString("hex");
  const server = await serveOnLoopback(ownerControlApp(rt, token), 0, "127.0.0.1");
  return { control: { url: server.url, token }, server };
}

/** The control endpoint's routes, behind `token`. */
export function ownerControlApp(rt: Pick<Runtime, "config" | "deps">, token: string): Hono {
  const expected = Buffer.from(`Bearer ${token}`);
  const app = new Hono();
  app.use(async (c, next) => {
    const given = Buffer.from(c.req.header("authorization") ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return c.json({ error: { code: "UNAUTHORIZED", message: "bad control token" } }, 401);
    }
    await next();
  });
  app.use(limitAdminBody);
  app.get("/status", async (c) => {
    const { config, deps } = rt;
    const statuses = await listChannelStatus(
      deps.db,
      config.channels,
      new Date(),
      config.publicUrl,
    );
    return c.json({ channels: statuses });
  });
  app.post("/tick", async (c) => {
    const channel = c.req.query("channel");
    if (channel && !rt.config.channels.some((s) => s.name === channel)) {
      const message = `serve has no channel "${channel}"`;
      return c.json({ error: { code: "NOT_FOUND", message } }, 404);
    }
    return c.json({ outcomes: await tickAll(rt.deps, channel) });
  });
  app.route("/", ownerAdminRoutes(rt));
  app.notFound((c) => {
    const message = `no control route ${c.req.method} ${c.req.path}`;
    return c.json({ error: { code: "NOT_FOUND", message } }, 404);
  });
  return app;
}

/** Asks the owning `serve` for the channels' status. */
export function statusFromOwner(control: OwnerControl): Promise<ChannelStatus[]> {
  // safe because the owner answers with listChannelStatus's own JSON.
  return call(control, "GET", "/status").then((b) => (b as { channels: ChannelStatus[] }).channels);
}

/** Has the owning `serve` tick (all channels, or one) now and waits for the outcomes. */
export function tickThroughOwner(control: OwnerControl, channel?: string): Promise<TickOutcome[]> {
  const path = channel ? `/tick?channel=${encodeURIComponent(channel)}` : "/tick";
  // safe because the owner answers with tickAll's own outcomes.
  return call(control, "POST", path).then((b) => (b as { outcomes: TickOutcome[] }).outcomes);
}

// node:http rather than fetch: a tick may take minutes (downloads), past fetch's header timeout.
function call(control: OwnerControl, method: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(new AppError("OWNER_UNREACHABLE", `serve's control endpoint: ${message}`, { cause }));
    const req = request(
      new URL(path, control.url),
      { method, headers: { authorization: `Bearer ${control.token}` } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("error", (err) => fail(err.message, err));
        res.on("end", () => {
          try {
            const body: unknown = JSON.parse(text);
            if (res.statusCode === 200) resolve(body);
            else fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
          } catch (err) {
            fail(`HTTP ${res.statusCode}: not JSON`, err);
          }
        });
      },
    );
    req.on("error", (err) => fail(err.message, err));
    req.end();
  });
}
