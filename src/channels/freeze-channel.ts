import { eq } from "drizzle-orm";
import { channels } from "../db/schema.ts";
import {
  type AdminActor,
  type AdminDeps,
  type AdminResult,
  applyAdminAction,
} from "./admin-action.ts";

/** Stops the channel from advancing, whatever Hydra says, until `unfreezeChannel`. */
export function freezeChannel(
  deps: AdminDeps,
  channel: string,
  input: { reason: string },
  actor: AdminActor,
): Promise<AdminResult> {
  const entry = { channel, action: "freeze" as const, reason: input.reason };
  return applyAdminAction(deps, entry, actor, async (tx) => {
    const [before] = await tx.select().from(channels).where(eq(channels.name, channel));
    await tx
      .update(channels)
      .set({ frozen: true, frozenReason: input.reason })
      .where(eq(channels.name, channel));
    return before?.frozen ? { previousReason: before.frozenReason } : {};
  });
}

export function unfreezeChannel(
  deps: AdminDeps,
  channel: string,
  input: { reason?: string },
  actor: AdminActor,
): Promise<AdminResult> {
  const entry = { channel, action: "unfreeze" as const, reason: input.reason ?? null };
  return applyAdminAction(deps, entry, actor, async (tx) => {
    const [before] = await tx.select().from(channels).where(eq(channels.name, channel));
    await tx
      .update(channels)
      .set({ frozen: false, frozenReason: null })
      .where(eq(channels.name, channel));
    return { wasFrozen: before?.frozen ?? false };
  });
}
