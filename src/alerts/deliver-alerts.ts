import type { Clock } from "../clock.ts";
import type { AlertsSection } from "../config/alert-settings.ts";
import type { Db } from "../db/client.ts";
import type { AlertRow, TargetDelivery } from "../db/schema.ts";
import { AlertDeliveryError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { retry } from "../retry.ts";
import type { AlertTarget } from "./notifier.ts";
import { claimDueAlerts, saveDelivery } from "./outbox.ts";
import { targetsFor } from "./route-alert.ts";
import { attemptNotice, type NoticeDeliveryDeps } from "./subscriptions/deliver-notice.ts";

export interface AlertDeliveryDeps extends NoticeDeliveryDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  alertTargets: AlertTarget[];
  alertSettings: AlertsSection;
}

export interface DeliveryReport {
  sent: number;
  failed: number;
  pending: number;
}

const BATCH = 5;
/** How long a deliverer owns a claimed row; a crashed one's rows go to the next after this. */
const CLAIM_MS = 2 * 60_000;
/** Between passes: 30 s, doubling, at most 5 min; a target's Retry-After wins when longer. */
const backoffMs = (attempts: number) => Math.min(5 * 60_000, 30_000 * 2 ** (attempts - 1));
/** A pending alert older than this is marked failed: an outage that long needs a person anyway. */
const GIVE_UP_MS = 24 * 3_600_000;
/** Waits within one pass stay short, so delivery never holds a tick or the loop for long. */
const IN_PASS_WAIT_LIMIT_MS = 1_000;

const retryAfterOf = (err: unknown) =>
  err instanceof AlertDeliveryError ? (err.retryAfterMs ?? undefined) : undefined;

async function sendOnce(target: AlertTarget, row: AlertRow): Promise<void> {
  await retry(() => target.send(row), {
    attempts: 2,
    baseMs: 250,
    isRetryable: (err) =>
      err instanceof AlertDeliveryError &&
      err.retryable &&
      (retryAfterOf(err) ?? 0) <= IN_PASS_WAIT_LIMIT_MS,
    waitHintMs: retryAfterOf,
  });
}

/** A subscriber's notice: one target, the subscription's own URL (or feed). */
async function deliverNotice(deps: AlertDeliveryDeps, row: AlertRow): Promise<AlertRow["state"]> {
  const now = deps.clock.now();
  const attempts = row.attempts + 1;
  const tried = await attemptNotice(deps, row, attempts, now);
  const tooOld = now.getTime() - row.createdAt.getTime() > GIVE_UP_MS;
  const state = tried.state === "pending" && tooOld ? "failed" : tried.state;
  if (state !== "sent") {
    deps.logger.warn("subscription notice not delivered", {
      channel: row.channel,
      step: "subscription",
      subscription: row.subscriptionId,
      final: state === "failed",
      error: tried.delivery.error,
    });
  }
  const waitMs = Math.max(backoffMs(attempts), tried.retryAfterMs ?? 0);
  await saveDelivery(deps.db, row.id, {
    state,
    deliveries: { subscriber: { ...tried.delivery, state } },
    attempts,
    nextAttemptAt: new Date(now.getTime() + waitMs),
    deliveredAt: state === "sent" ? now : null,
  });
  return state;
}

/** Sends one claimed row to each of its targets not done yet and works out the row's new state. */
async function deliverRow(deps: AlertDeliveryDeps, row: AlertRow): Promise<AlertRow["state"]> {
  if (row.subscriptionId !== null) return deliverNotice(deps, row);
  const now = deps.clock.now();
  const configured = deps.alertTargets.map((t) => t.name);
  const names = targetsFor(row, deps.alertSettings.routes, configured);
  const deliveries: Record<string, TargetDelivery> = { ...row.deliveries };
  let waitMs = backoffMs(row.attempts + 1);
  if (names.length === 0) {
    deps.logger.info("alert", { channel: row.channel, kind: row.kind, summary: row.summary });
    deliveries.log = { state: "sent", attempts: 1, at: now.toISOString() };
  }
  for (const target of deps.alertTargets) {
    const before = deliveries[target.name];
    if (!names.includes(target.name) || before?.state === "sent" || before?.state === "failed") {
      continue;
    }
    const attempts = (before?.attempts ?? 0) + 1;
    try {
      await sendOnce(target, row);
      deliveries[target.name] = { state: "sent", attempts, at: now.toISOString() };
    } catch (err) {
      const final = !(err instanceof AlertDeliveryError && err.retryable);
      const status = err instanceof AlertDeliveryError ? (err.status ?? undefined) : undefined;
      deliveries[target.name] = {
        state: final ? "failed" : "pending",
        attempts,
        status,
        error: errorMessage(err),
        at: now.toISOString(),
      };
      waitMs = Math.max(waitMs, retryAfterOf(err) ?? 0);
      deps.logger.warn("alert not delivered", {
        channel: row.channel,
        step: "alert",
        target: target.name,
        final,
        error: errorMessage(err),
      });
    }
  }
  const tooOld = now.getTime() - row.createdAt.getTime() > GIVE_UP_MS;
  for (const [name, d] of Object.entries(deliveries)) {
    if (d.state === "pending" && tooOld) deliveries[name] = { ...d, state: "failed" };
  }
  const states = Object.values(deliveries).map((d) => d.state);
  const state = states.includes("pending")
    ? "pending"
    : states.includes("failed")
      ? "failed"
      : "sent";
  await saveDelivery(deps.db, row.id, {
    state,
    deliveries,
    attempts: row.attempts + 1,
    nextAttemptAt: new Date(now.getTime() + waitMs),
    deliveredAt: state === "sent" ? now : null,
  });
  return state;
}

/**
 * Delivers the outbox's due alerts, oldest first, within `budgetMs` of wall time; rows it cannot
 * send now stay pending for a later pass. Never throws: delivery must not fail a tick.
 */
export async function deliverPendingAlerts(
  deps: AlertDeliveryDeps,
  opts: { budgetMs?: number } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, failed: 0, pending: 0 };
  const deadline = Date.now() + (opts.budgetMs ?? 20_000);
  try {
    while (Date.now() < deadline) {
      const now = deps.clock.now();
      const rows = await claimDueAlerts(deps.db, now, new Date(now.getTime() + CLAIM_MS), BATCH);
      for (const row of rows) {
        // Past the budget, the rest of the batch waits for its claim to run out (a later pass).
        if (Date.now() >= deadline) return report;
        report[await deliverRow(deps, row)]++;
      }
      if (rows.length < BATCH) break;
    }
  } catch (err) {
    deps.logger.error("alert delivery failed", { step: "alert", error: errorMessage(err) });
  }
  return report;
}
