import type { Hono } from "hono";
import type { LoopbackServer } from "../../src/sim/serve.node.ts";
import {
  type FastPathDeps,
  publicFastPath,
} from "../../src/status/fast-path/public-fast-path.node.ts";
import { serveHttp } from "../../src/status/fast-path/serve-http.node.ts";

/**
 * `app` behind Node's fast path on a loopback port, as `floodgate serve` runs them; every URL the
 * fast path hands to the app is pushed to `toApp`.
 */
export function serveBehindFastPath(
  app: Hono,
  deps: FastPathDeps,
  toApp: string[],
): Promise<LoopbackServer> {
  return serveHttp(app, {
    port: 0,
    hostname: "127.0.0.1",
    front: (fallback) =>
      publicFastPath(deps, (req, res) => {
        toApp.push(req.url ?? "");
        fallback(req, res);
      }),
  });
}
