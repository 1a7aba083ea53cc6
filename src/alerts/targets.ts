import type { AlertRow } from "../db/schema.ts";
import { type AlertTarget, postJson } from "./notifier.ts";
import { type MessageLinks, slackMessage } from "./slack-message.ts";

const TIMEOUT_MS = 5_000;

/** A Slack incoming webhook: answers 200 "ok"; 4xx (`invalid_payload`, `no_service`, …) are final. */
export function slackTarget(opts: {
  webhookUrl: string;
  links: MessageLinks;
  fetch?: typeof fetch;
}): AlertTarget {
  return {
    name: "slack",
    send: (alert) =>
      postJson("slack", opts.webhookUrl, JSON.stringify(slackMessage(alert, opts.links)), {
        fetch: opts.fetch ?? fetch,
        timeoutMs: TIMEOUT_MS,
      }),
  };
}

/** What the generic webhook receives: the alert as data, with the page link. */
export function webhookBody(alert: AlertRow, publicUrl: string) {
  return {
    id: alert.id,
    kind: alert.kind,
    channel: alert.channel,
    summary: alert.summary,
    createdAt: alert.createdAt.toISOString(),
    url: `${publicUrl}/channels/${encodeURIComponent(alert.channel)}`,
    data: alert.data,
  };
}

export async function hmacSha256Hex(secret: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A generic JSON webhook. With a secret, `X-Floodgate-Signature: sha256=<hex HMAC of the body>`;
 * `X-Floodgate-Delivery` carries the alert id, so a receiver can drop a repeat.
 */
export function webhookTarget(opts: {
  url: string;
  secret?: string;
  publicUrl: string;
  fetch?: typeof fetch;
}): AlertTarget {
  return {
    name: "webhook",
    send: async (alert) => {
      const body = JSON.stringify(webhookBody(alert, opts.publicUrl));
      const headers: Record<string, string> = { "x-floodgate-delivery": String(alert.id) };
      if (opts.secret) {
        headers["x-floodgate-signature"] = `sha256=${await hmacSha256Hex(opts.secret, body)}`;
      }
      await postJson("webhook", opts.url, body, {
        fetch: opts.fetch ?? fetch,
        headers,
        timeoutMs: TIMEOUT_MS,
      });
    },
  };
}
