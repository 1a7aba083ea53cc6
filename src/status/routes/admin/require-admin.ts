import type { MiddlewareHandler } from "hono";
import type { AdminToken } from "../../../config/admin-tokens.ts";

export type AdminEnv = { Variables: { adminLabel: string } };

const encoder = new TextEncoder();

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/** Compares fixed-length digests without an early exit, so timing says nothing about the token. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Bearer auth for the admin API: every configured token is compared in constant time (no early
 * exit either), and the matching token's label becomes the audit log's actor.
 */
export function requireAdmin(tokens: AdminToken[]): MiddlewareHandler<AdminEnv> {
  const known = Promise.all(
    tokens.map(async (t) => ({ label: t.label, hash: await digest(t.token) })),
  );
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const offered = await digest(match?.[1] ?? "");
    let label: string | null = null;
    for (const t of await known) {
      if (sameBytes(t.hash, offered) && match) label = t.label;
    }
    if (label === null) {
      c.header("WWW-Authenticate", 'Bearer realm="floodgate admin"');
      return c.json(
        { error: { code: "UNAUTHORIZED", message: "a valid admin bearer token is required" } },
        401,
      );
    }
    c.set("adminLabel", label);
    await next();
  };
}
