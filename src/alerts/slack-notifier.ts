import { UpstreamError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { retry } from "../retry.ts";
import type { Alert, Notifier } from "./notifier.ts";

const ICON: Record<Alert["type"], string> = {
  "channel.advanced": ":white_check_mark:",
  "channel.blocked": ":no_entry:",
  "channel.unblocked": ":arrow_forward:",
  "tick.failed": ":warning:",
};

// Slack mrkdwn treats only these three as control characters.
const escapeMrkdwn = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function slackMessage(alert: Alert, publicUrl: string): { text: string } {
  const link = `<${publicUrl}/channels/${encodeURIComponent(alert.channel)}|${alert.channel}>`;
  return { text: `${ICON[alert.type]} ${link}: ${escapeMrkdwn(alert.text)}` };
}

/** Posts alerts to a Slack incoming webhook, retrying 429/5xx with backoff. */
export function slackNotifier(opts: {
  webhookUrl: string;
  publicUrl: string;
  logger: Logger;
  fetch?: typeof fetch;
  baseBackoffMs?: number;
}): Notifier {
  const doFetch = opts.fetch ?? fetch;
  return {
    send: (alert) =>
      retry(
        async () => {
          const res = await doFetch(opts.webhookUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(slackMessage(alert, opts.publicUrl)),
            signal: AbortSignal.timeout(10_000),
          });
          if (res.ok) return;
          const body = (await res.text()).slice(0, 200);
          throw new UpstreamError("SLACK_HTTP", `Slack answered ${res.status}: ${body}`, {
            retryable: res.status === 429 || res.status >= 500,
            status: res.status,
          });
        },
        { attempts: 3, baseMs: opts.baseBackoffMs ?? 1_000 },
      ).then(() => opts.logger.info("alert sent", { channel: alert.channel, type: alert.type })),
  };
}
