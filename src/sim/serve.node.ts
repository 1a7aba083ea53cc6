import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a Hono app on 127.0.0.1 (port 0 = any free port) and resolves once it listens. */
export function serveOnLoopback(
  app: Hono,
  port = 0,
  hostname = "127.0.0.1",
): Promise<LoopbackServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined;
    server = serve({ fetch: app.fetch, hostname, port }, (info) => {
      const close = () =>
        new Promise<void>((done) => {
          if ("closeAllConnections" in (server ?? {})) {
            (server as { closeAllConnections(): void }).closeAllConnections();
          }
          server?.close(() => done());
        });
      resolve({
        url: `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${info.port}`,
        port: info.port,
        close,
      });
    });
    server.once("error", reject);
  });
}
