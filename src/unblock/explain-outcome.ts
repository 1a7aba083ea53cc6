import type { ChannelSpec } from "../config/channels-file.ts";
import type { Deps } from "../deps.ts";
import type { Decision } from "../domain/decision.ts";
import { errorMessage } from "../errors.ts";
import { explainBlock } from "./explain-block.ts";
import type { UnblockReport } from "./unblock-types.ts";

/**
 * The unblock report of a decision blocked by failed constituents, or undefined. It only explains:
 * a failure here is logged and the tick goes on as if it had not been asked. GitHub reads go
 * through the lookups' own budget, so explaining a block can never starve the tick.
 */
export async function explainDecision(
  deps: Pick<Deps, "db" | "lookups" | "lookupWrites" | "hydraUrl" | "repoUrl" | "clock" | "logger">,
  spec: ChannelSpec,
  decision: Decision,
): Promise<UnblockReport | undefined> {
  if (decision.kind !== "blocked") return undefined;
  const failed = decision.reasons.find((r) => r.kind === "constituents-failed");
  if (!failed || failed.failed.length === 0) return undefined;
  try {
    return await explainBlock(
      {
        db: deps.db,
        git: deps.lookups.git,
        lookupWrites: deps.lookupWrites,
        hydraUrl: deps.hydraUrl,
        repoUrl: deps.repoUrl,
        now: deps.clock.now(),
      },
      spec,
      { evalId: failed.evalId, buildId: failed.buildId, failed: failed.failed },
    );
  } catch (err) {
    deps.logger.warn("unblock report failed", {
      channel: spec.name,
      step: "unblock",
      error: errorMessage(err),
    });
    return undefined;
  }
}
