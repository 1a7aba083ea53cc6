import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { checkUrlShape, ipLiteral, refusedAddress } from "./address-policy.ts";
import type { PostAnswer, SubscriptionPoster } from "./subscription-poster.ts";

/** Every address a host name resolves to (A and AAAA). */
export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface GuardedPosterOptions {
  /** Test-only (FLOODGATE_SUBSCRIPTION_ALLOW_LOOPBACK): loopback and http URLs are let through. */
  allowLoopback: boolean;
  resolve?: Resolver;
  timeoutMs?: number;
  /** Bytes of an answer's body read at most; a longer body is cut and counts as no answer. */
  maxResponseBytes?: number;
}

/** The one address to connect to, or why none may be. */
export async function resolveAllowed(
  url: URL,
  opts: { allowLoopback: boolean; resolve: Resolver },
): Promise<{ ok: true; address: string } | { ok: false; reason: string }> {
  const literal = ipLiteral(url.hostname);
  if (literal) return { ok: true, address: literal };
  let addresses: string[];
  try {
    addresses = await opts.resolve(url.hostname);
  } catch (err) {
    return { ok: false, reason: `the host "${url.hostname}" does not resolve (${String(err)})` };
  }
  if (addresses.length === 0) return { ok: false, reason: `"${url.hostname}" has no address` };
  // Every address must pass: a client could be sent any of them.
  for (const address of addresses) {
    const why = refusedAddress(address, opts);
    if (why) return { ok: false, reason: `"${url.hostname}" resolves to ${address}, ${why}` };
  }
  return { ok: true, address: addresses[0] ?? "" };
}

function readCapped(res: IncomingMessage, max: number): Promise<boolean> {
  return new Promise((done) => {
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        res.destroy();
        done(false);
      }
    });
    res.on("end", () => done(true));
    res.on("error", () => done(false));
    res.on("close", () => done(size <= max));
  });
}

export function createGuardedPoster(opts: GuardedPosterOptions): SubscriptionPoster {
  const resolve = opts.resolve ?? systemResolver;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const maxBytes = opts.maxResponseBytes ?? 64 * 1024;
  return {
    async post(raw, body, headers): Promise<PostAnswer> {
      const shape = checkUrlShape(raw, opts);
      if (!shape.ok) return { kind: "refused", reason: shape.reason };
      const url = shape.url;
      const target = await resolveAllowed(url, { allowLoopback: opts.allowLoopback, resolve });
      if (!target.ok) return { kind: "refused", reason: target.reason };
      const family = target.address.includes(":") ? 6 : 4;
      // The socket goes to the checked address; Host and TLS still name the URL's host.
      const pinned: LookupFunction = (_host, options, callback) => {
        if (options.all) callback(null, [{ address: target.address, family }]);
        else callback(null, target.address, family);
      };
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      return new Promise<PostAnswer>((done) => {
        const req = send(
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "user-agent": "floodgate-subscriptions",
              ...headers,
            },
            lookup: pinned,
            timeout: timeoutMs,
            signal: AbortSignal.timeout(timeoutMs),
          },
          (res) => {
            void readCapped(res, maxBytes).then((whole) => {
              if (!whole) {
                done({ kind: "failed", error: `the answer was longer than ${maxBytes} bytes` });
                return;
              }
              const header = (name: string) => {
                const value = res.headers[name];
                return typeof value === "string" ? value : null;
              };
              done({
                kind: "answered",
                status: res.statusCode ?? 0,
                location: header("location"),
                retryAfter: header("retry-after"),
              });
            });
          },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (err) => done({ kind: "failed", error: err.message }));
        req.end(body);
      });
    },
  };
}
