import type { Logger } from "../log.ts";

export interface Alert {
  channel: string;
  type: "channel.advanced" | "channel.blocked" | "channel.unblocked" | "tick.failed";
  text: string;
  at: Date;
}

/** Delivers alerts (Slack, …). Sending is best effort: a failed send is logged, never fatal. */
export interface Notifier {
  send(alert: Alert): Promise<void>;
}

export function logNotifier(logger: Logger): Notifier {
  return {
    send: async (alert) => logger.info("alert", { ...alert, at: alert.at.toISOString() }),
  };
}
