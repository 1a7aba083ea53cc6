import { createTtlLru } from "../../ttl-lru.ts";

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

const MINUTE_MS = 60_000;

/**
 * Lookups per client as a token bucket: `perMinute` at once, then one every 60/perMinute s.
 * A client idle for a minute has a full bucket again, so forgetting it then (or when more than
 * `maxClients` are tracked) changes nothing it could notice.
 */
export function createClientAllowance(opts: {
  perMinute: number;
  maxClients: number;
  now: () => number;
}): (client: string) => Admission {
  const buckets = createTtlLru<string, { tokens: number; at: number }>({
    maxEntries: opts.maxClients,
    ttlMs: MINUTE_MS,
    now: opts.now,
  });
  const perMs = opts.perMinute / MINUTE_MS;
  return (client) => {
    if (opts.perMinute <= 0) return { ok: false, retryAfterSeconds: 60 };
    const at = opts.now();
    const last = buckets.get(client);
    const tokens = last
      ? Math.min(opts.perMinute, last.tokens + (at - last.at) * perMs)
      : opts.perMinute;
    if (tokens < 1) {
      buckets.set(client, { tokens, at });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    buckets.set(client, { tokens: tokens - 1, at });
    return { ok: true };
  };
}
