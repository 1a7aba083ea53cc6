import { AppError } from "../errors.ts";
import {
  type AdminActor,
  type AdminDeps,
  type AdminResult,
  applyAdminAction,
} from "./admin-action.ts";
import { retryRelease } from "./retry-release.ts";

/** Nothing failed or waits out a backoff: a retry would change nothing (HTTP 409). */
export class NothingToRetryError extends AppError {
  constructor(channel: string) {
    super("CONFLICT", `${channel} has no failed release step to retry`, { context: { channel } });
  }
}

/** Restarts the channel's failed (or backing-off) release step at the next tick. */
export function retryChannel(
  deps: AdminDeps,
  channel: string,
  input: { reason?: string },
  actor: AdminActor,
): Promise<AdminResult> {
  const entry = { channel, action: "retry" as const, reason: input.reason ?? null };
  return applyAdminAction(deps, entry, actor, async (tx) => {
    const result = await retryRelease({ db: tx }, channel);
    if (result.kind === "nothing-to-retry") throw new NothingToRetryError(channel);
    return { release: result.release, resumesAt: result.resumesAt, attempts: result.attempts };
  });
}
