import { enqueueAdminAlert } from "../alerts/outbox.ts";
import type { Clock } from "../clock.ts";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Db } from "../db/client.ts";
import { type AdminAction, auditLog, channels } from "../db/schema.ts";
import { NotFoundError } from "../errors.ts";
import type { ChannelChanges } from "../status/read-model/channel-changes.ts";

/** Who took an admin action: a token's label over HTTP, the local user on the CLI. */
export interface AdminActor {
  label: string;
  via: "http" | "cli";
}

export interface AdminDeps {
  db: Db;
  clock: Clock;
  channels: ChannelSpec[];
  /** Told after each action, so every process's read model serves a pin or freeze at once. */
  changes?: ChannelChanges;
}

/** What an admin action did: the same value is the HTTP answer, the CLI's line and the audit row. */
export interface AdminResult {
  channel: string;
  action: AdminAction;
  at: string;
  reason: string | null;
  details: Record<string, unknown>;
  actor: string;
}

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export function channelSpecOf(deps: Pick<AdminDeps, "channels">, name: string): ChannelSpec {
  const spec = deps.channels.find((c) => c.name === name);
  if (!spec) throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
  return spec;
}

/**
 * Applies one admin change and writes its audit row in the same transaction, so an action is either
 * done, audited and alerted (through the outbox) or none of them. `change` may add details (what it found) or throw to refuse.
 */
export async function applyAdminAction(
  deps: AdminDeps,
  entry: { channel: string; action: AdminAction; reason: string | null },
  actor: AdminActor,
  change: (tx: Tx, now: Date) => Promise<Record<string, unknown>>,
): Promise<AdminResult> {
  channelSpecOf(deps, entry.channel);
  const now = deps.clock.now();
  const details = await deps.db.transaction(async (tx) => {
    await tx.insert(channels).values({ name: entry.channel }).onConflictDoNothing();
    const found = await change(tx, now);
    await tx.insert(auditLog).values({
      channel: entry.channel,
      action: entry.action,
      at: now,
      reason: entry.reason,
      details: found,
      actor: actor.label,
      via: actor.via,
    });
    // The alert is written with the action (outbox) and delivered after it, like a tick's.
    await enqueueAdminAlert(tx, { ...entry, actor: actor.label, details: found }, now);
    return found;
  });
  await deps.changes?.channelChanged(entry.channel);
  return { ...entry, at: now.toISOString(), details, actor: actor.label };
}
