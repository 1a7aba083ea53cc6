import { eq } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { type Channel, channels, type ReleaseState, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { Decision } from "../domain/decision.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { errorCode, errorMessage, MissingRowError } from "../errors.ts";
import { decideAdvance } from "./decide-advance.ts";
import { describeDecision } from "./describe-decision.ts";
import { gatherFacts } from "./gather-facts.ts";
import { acquireLease, releaseLease } from "./lease.ts";
import { prepareRelease } from "./prepare-release.ts";
import { recordOutcome } from "./record-outcome.ts";
import { runRelease } from "./run-release.ts";

/** The step a release in each state attempts next: what failed when a run stops there. */
const STEP_AFTER: Record<ReleaseState, string> = {
  pending: "writing the release files",
  files: "updating the branch",
  branch: "publishing",
  published: "publishing",
  abandoned: "publishing",
  failed: "publishing",
};

async function loadChannel(deps: Deps, name: string): Promise<Channel> {
  const [row] = await deps.db.select().from(channels).where(eq(channels.name, name));
  if (!row) throw new MissingRowError(`channel row ${name} missing after lease`, { channel: name });
  return row;
}

async function advance(
  deps: Deps,
  spec: ChannelSpec,
  row: Channel,
  decision: Extract<Decision, { kind: "advance" }>,
): Promise<TickOutcome> {
  const release = await prepareRelease(deps, spec.name, decision.release);
  try {
    if (!(await runRelease(deps, spec, release, row.currentReleaseId))) {
      return {
        channel: spec.name,
        kind: "busy",
        summary: `${spec.name}: another advancer published first`,
      };
    }
    return {
      channel: spec.name,
      kind: "advanced",
      summary: `${spec.name} advanced to ${release.name}`,
      release: release.name,
    };
  } catch (err) {
    const [now] = await deps.db
      .select({ state: releases.state })
      .from(releases)
      .where(eq(releases.id, release.id));
    const step = STEP_AFTER[now?.state ?? release.state];
    const failure = {
      code: errorCode(err),
      message: errorMessage(err),
      step,
      at: deps.clock.now().toISOString(),
    };
    await deps.db.update(releases).set({ lastError: failure }).where(eq(releases.id, release.id));
    const blocked: Decision = {
      kind: "blocked",
      reasons: [{ kind: "step-failed", step, code: failure.code, message: failure.message }],
    };
    return {
      channel: spec.name,
      kind: "blocked",
      summary: describeDecision(spec.name, blocked),
      decision: blocked,
    };
  }
}

/** One pass for one channel: gather facts, decide, advance if allowed, record what happened. */
export async function tickChannel(deps: Deps, spec: ChannelSpec): Promise<TickOutcome> {
  const log = deps.logger.child({ channel: spec.name });
  if (!(await acquireLease(deps.db, spec.name, deps.owner, deps.clock.now()))) {
    return {
      channel: spec.name,
      kind: "busy",
      summary: `${spec.name}: another advancer is working on it`,
    };
  }
  let outcome: TickOutcome;
  try {
    const row = await loadChannel(deps, spec.name);
    try {
      const decision = decideAdvance(await gatherFacts(deps, spec, row));
      outcome =
        decision.kind === "advance"
          ? await advance(deps, spec, row, decision)
          : {
              channel: spec.name,
              kind: decision.kind,
              summary: describeDecision(spec.name, decision),
              decision,
            };
    } catch (err) {
      outcome = {
        channel: spec.name,
        kind: "error",
        summary: `${spec.name}: tick failed: ${errorMessage(err)}`,
        code: errorCode(err),
      };
      log.error("tick failed", { step: "tick", code: errorCode(err), error: errorMessage(err) });
    }
    await recordOutcome(deps, row, outcome);
    await deps.changes.channelChanged(spec.name);
  } finally {
    await releaseLease(deps.db, spec.name, deps.owner);
  }
  return outcome;
}
