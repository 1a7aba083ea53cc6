import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { upstreamPace } from "../db/schema.ts";
import { ConfigError } from "../errors.ts";
import { sleep as realSleep } from "../retry.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export interface PaceSlot {
  /** When the request may start, on the database's clock (ms since the epoch). */
  startAtMs: number;
  /** How long to wait for it from now. */
  waitMs: number;
}

/**
 * Reserves the next start for `name`, `intervalMs` after the last one reserved by anyone. One
 * statement on one row: concurrent reservations queue on its lock, and all use the database's
 * clock, so processes and Workers invocations on different machines share one pace.
 */
export async function reservePaceSlot(db: Db, name: string, intervalMs: number): Promise<PaceSlot> {
  const step = sql`make_interval(secs => ${intervalMs / 1000})`;
  const [slot] = await db
    .insert(upstreamPace)
    .values({ name, nextStartAt: sql`clock_timestamp() + ${step}` })
    .onConflictDoUpdate({
      target: upstreamPace.name,
      set: { nextStartAt: sql`greatest(${upstreamPace.nextStartAt}, clock_timestamp()) + ${step}` },
    })
    .returning({
      startAtMs: sql<number>`(extract(epoch from ${upstreamPace.nextStartAt} - ${step}) * 1000)::float8`,
      waitMs: sql<number>`(extract(epoch from ${upstreamPace.nextStartAt} - ${step} - clock_timestamp()) * 1000)::float8`,
    });
  if (!slot) throw new Error(`upstream_pace: no row for ${name}`);
  return { startAtMs: slot.startAtMs, waitMs: Math.max(0, slot.waitMs) };
}

/**
 * The same pace as `createRateLimiter`, shared through the database: every process and Workers
 * invocation ticking a channel takes its Hydra request starts from one sequence, so ten channels
 * ticked at once still stay under `requestsPerSecond` together.
 */
export function createSharedRateLimiter(opts: {
  db: Db;
  name: string;
  requestsPerSecond: number;
  sleep?: (ms: number) => Promise<void>;
}): RateLimiter {
  if (!(opts.requestsPerSecond > 0)) {
    throw new ConfigError("requestsPerSecond must be a positive number", {
      requestsPerSecond: opts.requestsPerSecond,
    });
  }
  const intervalMs = 1000 / opts.requestsPerSecond;
  const sleep = opts.sleep ?? realSleep;
  return {
    async acquire() {
      const { waitMs } = await reservePaceSlot(opts.db, opts.name, intervalMs);
      if (waitMs > 0) await sleep(Math.ceil(waitMs));
    },
  };
}
