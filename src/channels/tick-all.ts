import { deliverPendingAlerts } from "../alerts/deliver-alerts.ts";
import { followSubscriptionsWhenDue } from "../alerts/subscriptions/follow-subscriptions.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { errorCode, errorMessage } from "../errors.ts";
import { refreshBlockerIssues } from "../jobs/refresh-blocker-issues.ts";
import { tickChannel } from "./tick-channel.ts";

/**
 * Ticks channels one after another; one channel's failure never stops the others. The alerts the
 * ticks recorded go out after the last one (bounded; what cannot go now waits for the next run),
 * with the notices of subscriptions followed when due (PRs that merged, landings not recorded);
 * then the open channel-blocker issues are refreshed when due.
 * Once `stop` aborts (SIGTERM), the channel in progress stops and the rest are not started.
 */
export async function tickAll(
  deps: Deps,
  only?: string,
  stop?: AbortSignal,
): Promise<TickOutcome[]> {
  const outcomes: TickOutcome[] = [];
  for (const spec of deps.channels) {
    if (only && spec.name !== only) continue;
    if (stop?.aborted) break;
    const started = Date.now();
    try {
      outcomes.push(await tickChannel(deps, spec, stop));
    } catch (err) {
      // Only database trouble reaches here; the tick records upstream failures itself.
      outcomes.push({
        channel: spec.name,
        kind: "error",
        summary: `${spec.name}: ${errorMessage(err)}`,
        code: errorCode(err),
      });
    }
    const last = outcomes.at(-1);
    deps.logger.info("tick", {
      channel: spec.name,
      step: "tick",
      outcome: last?.kind,
      summary: last?.summary,
      durationMs: Date.now() - started,
    });
  }
  if (!stop?.aborted) await followSubscriptionsWhenDue(deps);
  await deliverPendingAlerts(deps);
  if (deps.issues && !stop?.aborted) {
    const { upstreamCache, issues, logger } = deps;
    await refreshBlockerIssues({ upstreamCache, issues, logger, now: deps.clock.now() });
  }
  return outcomes;
}
