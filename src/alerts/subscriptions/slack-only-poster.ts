import { checkUrlShape } from "./address-policy.ts";
import type { PostAnswer, SubscriptionPoster } from "./subscription-poster.ts";

/** The one host a Worker posts to: Slack's incoming webhooks, a name Slack owns and answers for. */
export const SLACK_HOOKS_HOST = "hooks.slack.com";

export const WORKERS_WEBHOOK_REFUSAL =
  "on Cloudflare Workers floodgate posts only to Slack incoming webhooks (https://hooks.slack.com/services/…): " +
  "a Worker's fetch resolves the host itself and cannot be held to an address floodgate checked, so any " +
  "other host's DNS could point it inside a network after the check (DNS rebinding); " +
  "use a feed here, or run floodgate on Node for other webhooks";

/** Why `raw` may not be posted to from a Worker, or null when it may. */
export function refusedOnWorkers(raw: string): string | null {
  const shape = checkUrlShape(raw, { allowLoopback: false });
  if (!shape.ok) return shape.reason;
  const { url } = shape;
  const slack =
    url.protocol === "https:" &&
    url.hostname === SLACK_HOOKS_HOST &&
    url.port === "" &&
    url.pathname.startsWith("/services/");
  return slack ? null : WORKERS_WEBHOOK_REFUSAL;
}

async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<boolean> {
  if (!body) return true;
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return false;
    }
  }
}

/**
 * The Workers runtime's poster: `fetch` to Slack's fixed host only (see `refusedOnWorkers`), no
 * redirects followed, a timeout and an answer size limit like the Node poster's.
 */
export function createSlackOnlyPoster(
  opts: { fetch?: typeof fetch; timeoutMs?: number; maxResponseBytes?: number } = {},
): SubscriptionPoster {
  const send = opts.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const maxBytes = opts.maxResponseBytes ?? 64 * 1024;
  return {
    async post(raw, body, headers): Promise<PostAnswer> {
      const refused = refusedOnWorkers(raw);
      if (refused) return { kind: "refused", reason: refused };
      try {
        const res = await send(raw, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "floodgate-subscriptions",
            ...headers,
          },
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!(await readCapped(res.body, maxBytes))) {
          return { kind: "failed", error: `the answer was longer than ${maxBytes} bytes` };
        }
        return {
          kind: "answered",
          status: res.status,
          location: res.headers.get("location"),
          retryAfter: res.headers.get("retry-after"),
        };
      } catch (err) {
        return { kind: "failed", error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
