import { Hono } from "hono";
import { type LoopbackServer, serveOnLoopback } from "../../src/sim/serve.node.ts";

/** How the stand-in answers the next posts: Slack's real answers, by name. */
export type ReceiverMode =
  | { kind: "ok" }
  | { kind: "status"; status: number; body: string; retryAfterSec?: number };

export interface ReceivedPost {
  path: string;
  body: { text?: string; blocks?: unknown[]; [key: string]: unknown };
  raw: string;
  headers: Record<string, string>;
}

export interface AlertReceiver {
  url: string;
  /** Posts answered 200 "ok" (what Slack delivered). */
  delivered: ReceivedPost[];
  /** Every post, answered or refused. */
  attempts: number;
  mode: ReceiverMode;
  /** The `text` of each delivered Slack message. */
  texts(): string[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback standing in for a Slack incoming webhook (and a JSON webhook). */
export async function startAlertReceiver(): Promise<AlertReceiver> {
  const receiver: Omit<AlertReceiver, "url" | "close"> = {
    delivered: [],
    attempts: 0,
    mode: { kind: "ok" },
    texts: () => receiver.delivered.map((p) => p.body.text ?? ""),
  };
  const app = new Hono().post("/*", async (c) => {
    receiver.attempts++;
    const raw = await c.req.text();
    const mode = receiver.mode;
    if (mode.kind === "status") {
      if (mode.retryAfterSec !== undefined) c.header("Retry-After", String(mode.retryAfterSec));
      return c.text(mode.body, mode.status as 400);
    }
    receiver.delivered.push({
      path: c.req.path,
      body: JSON.parse(raw),
      raw,
      headers: Object.fromEntries(c.req.raw.headers),
    });
    return c.text("ok");
  });
  const server: LoopbackServer = await serveOnLoopback(app);
  return Object.assign(receiver, { url: server.url, close: () => server.close() });
}

/** A clock the test moves by hand. */
export function manualClock(start = new Date("2026-11-28T12:00:00Z")) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
