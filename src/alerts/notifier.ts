import type { AlertTargetName } from "../config/alert-settings.ts";
import type { AlertRow } from "../db/schema.ts";
import { AlertDeliveryError } from "../errors.ts";

/** Where alerts go (Slack, a JSON webhook). `send` throws AlertDeliveryError, retryable or not. */
export interface AlertTarget {
  name: AlertTargetName;
  send(alert: AlertRow): Promise<void>;
}

/** Seconds or an HTTP date, as `Retry-After` may carry either. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** POSTs a JSON body and classifies the answer: 2xx done, 429/5xx/network retryable, other 4xx final. */
export async function postJson(
  target: AlertTargetName,
  url: string,
  body: string,
  opts: { fetch: typeof fetch; headers?: Record<string, string>; timeoutMs: number },
): Promise<void> {
  let res: Response;
  try {
    res = await opts.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...opts.headers },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    throw new AlertDeliveryError(target, `${target}: no answer: ${String(err)}`, {
      retryable: true,
      cause: err,
    });
  }
  const text = (await res.text()).slice(0, 200);
  if (res.ok) return;
  const retryable = res.status === 429 || res.status >= 500;
  throw new AlertDeliveryError(target, `${target} answered ${res.status}: ${text}`, {
    retryable,
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), Date.now()),
  });
}
