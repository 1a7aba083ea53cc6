import type { Db } from "../../db/client.ts";
import type { AlertRow, TargetDelivery } from "../../db/schema.ts";
import { parseRetryAfter } from "../notifier.ts";
import { slackMessage } from "../slack-message.ts";
import { hmacSha256Hex, webhookBody } from "../targets.ts";
import type { SubscriptionPoster } from "./subscription-poster.ts";
import { findById } from "./subscription-store.ts";

export interface NoticeDeliveryDeps {
  db: Db;
  publicUrl: string;
  hydraUrl: string;
  repoUrl: string;
  subscriptionPoster?: SubscriptionPoster;
}

/** One try at a subscriber's notice: the row's next state and its one delivery record. */
export interface NoticeAttempt {
  state: TargetDelivery["state"];
  delivery: TargetDelivery;
  retryAfterMs: number | null;
}

/**
 * Sends a notice to its subscriber: a webhook (signed with the subscription's own secret) or a
 * Slack webhook through the guarded poster; a feed reads the row, so it is "sent" at once. A
 * cancelled subscription sends nothing more; 429, 5xx and no answer are tried again later.
 */
export async function attemptNotice(
  deps: NoticeDeliveryDeps,
  row: AlertRow,
  attempts: number,
  now: Date,
): Promise<NoticeAttempt> {
  const at = now.toISOString();
  const done = (
    state: TargetDelivery["state"],
    extra: Partial<TargetDelivery> = {},
    retryAfterMs: number | null = null,
  ): NoticeAttempt => ({ state, delivery: { state, attempts, at, ...extra }, retryAfterMs });
  const sub = row.subscriptionId === null ? null : await findById(deps.db, row.subscriptionId);
  if (!sub) return done("failed", { error: "the subscription is gone" });
  if (sub.endReason === "cancelled") return done("failed", { error: "cancelled" });
  if (sub.delivery === "feed" || !sub.url) return done("sent");
  if (!deps.subscriptionPoster) return done("failed", { error: "no poster on this runtime" });
  const body =
    sub.delivery === "slack"
      ? JSON.stringify(slackMessage(row, deps))
      : JSON.stringify({
          ...webhookBody(row, deps.publicUrl),
          subscription: { kind: sub.kind, subject: sub.subject },
        });
  const headers: Record<string, string> = { "x-floodgate-delivery": String(row.id) };
  if (sub.secret) {
    headers["x-floodgate-signature"] = `sha256=${await hmacSha256Hex(sub.secret, body)}`;
  }
  const answer = await deps.subscriptionPoster.post(sub.url, body, headers);
  switch (answer.kind) {
    case "refused":
      return done("failed", { error: `refused: ${answer.reason}` });
    case "failed":
      return done("pending", { error: answer.error });
    case "answered": {
      const status = answer.status;
      if (status >= 200 && status < 300) return done("sent", { status });
      const retryable = status === 429 || status >= 500;
      const wait = parseRetryAfter(answer.retryAfter, now.getTime());
      return done(retryable ? "pending" : "failed", { status, error: `answered ${status}` }, wait);
    }
  }
}
