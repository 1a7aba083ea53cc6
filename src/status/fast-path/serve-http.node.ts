import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { LoopbackServer } from "../../sim/serve.node.ts";
import type { Listener } from "./public-fast-path.node.ts";

/** Serves the app over HTTP, with `front` (e.g. `publicFastPath`) answering first where it can. */
export function serveHttp(
  app: Hono,
  opts: { port: number; hostname: string; front?: (fallback: Listener) => Listener },
): Promise<LoopbackServer> {
  const honoListener = getRequestListener(app.fetch);
  const appListener: Listener = (req, res) => void honoListener(req, res);
  const listener = opts.front ? opts.front(appListener) : appListener;
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => {
      // safe because a server listening on a TCP port reports an AddressInfo, not a pipe name.
      const { port } = server.address() as AddressInfo;
      const host = opts.hostname === "0.0.0.0" ? "127.0.0.1" : opts.hostname;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
