import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { sleep } from "../retry.ts";
import type { Chaos, ChaosKind, Upstream } from "./chaos.ts";

export interface ChaosHooks {
  /** The answer to a rate-limited request, in this upstream's own words. */
  rateLimited?: () => Response;
  /** The answer to a failing server, in this upstream's own words. */
  serverError: () => Response;
  /** Someone moves the branch this request reads, by force, before it is served. */
  forcePush?: (path: string) => void;
  /** The product this request downloads, with bytes that do not match its sha256. */
  wrongBytes?: (c: Context, served: Response) => Promise<Response>;
}

// safe because @hono/node-server passes the Node request as `c.env.incoming`
const socketOf = (c: Context) => (c.env as { incoming: IncomingMessage }).incoming.socket;

/** Hono merges the old answer's headers into a new `c.res`; a fault's answer must stand alone. */
function replace(c: Context, res: Response) {
  c.res = undefined;
  c.res = res;
}

/** Holds a request without an answer until the client gives up or `ms` pass. */
function holdUntilGone(c: Context, ms: number): Promise<void> {
  const socket = socketOf(c);
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    socket.once("close", () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Half the body with its true length declared, then the connection drops. */
async function cutShort(c: Context, served: Response): Promise<Response> {
  const full = new Uint8Array(await served.arrayBuffer());
  const socket = socketOf(c);
  const body = new ReadableStream<Uint8Array>({
    start: (ctl) => ctl.enqueue(full.slice(0, Math.floor(full.byteLength / 2))),
    pull: () =>
      new Promise<void>((done) =>
        setTimeout(() => {
          socket.destroy();
          done();
        }, 10),
      ),
  });
  const headers = new Headers(served.headers);
  headers.set("Content-Length", String(full.byteLength));
  return new Response(full.byteLength > 1 ? body : null, { status: served.status, headers });
}

/** A JSON body that ends halfway (its length says so): what a proxy cutting a reply hands on. */
async function malformedJson(served: Response): Promise<Response> {
  const text = await served.text();
  const headers = new Headers(served.headers);
  headers.delete("Content-Length");
  headers.delete("ETag");
  return new Response(text.slice(0, Math.floor(text.length / 2)), {
    status: served.status,
    headers,
  });
}

/** Consults `chaos` on every request and plays the fault it picks; no chaos, no change. */
export function chaosMiddleware(
  chaos: Chaos | undefined,
  upstream: Upstream,
  hooks: ChaosHooks,
): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const kind: ChaosKind | undefined = chaos?.pick(upstream, c.req.method, url.pathname);
    if (!chaos || kind === undefined) return next();
    if (kind === "rate-limit") return hooks.rateLimited?.() ?? hooks.serverError();
    if (kind === "server-error") return hooks.serverError();
    if (kind === "cache-timeout") {
      await holdUntilGone(c, chaos.timeoutMs);
      return c.body("upstream timed out", 504);
    }
    if (kind === "slow") await sleep(chaos.slowMs);
    if (kind === "force-push") hooks.forcePush?.(url.pathname);
    await next();
    if (kind === "reset") {
      // The request was served (a PATCH did move the branch); only its answer is lost.
      socketOf(c).destroy();
      return;
    }
    if (kind === "truncated" && c.res.body) replace(c, await cutShort(c, c.res));
    if (kind === "malformed-json" && c.res.status === 200) {
      replace(c, await malformedJson(c.res));
    }
    if (kind === "wrong-sha256" && c.res.status === 200 && hooks.wrongBytes) {
      replace(c, await hooks.wrongBytes(c, c.res));
    }
  };
}
