import type { ChannelSpec } from "../config/channels-file.ts";
import type { Deps } from "../deps.ts";
import type { BlockReason, Decision } from "../domain/decision.ts";
import type { ReleaseRun, TickOutcome } from "../domain/tick-outcome.ts";
import { LeaseLostError } from "../errors.ts";
import { describeDecision } from "./describe-decision.ts";
import { guardPorts } from "./guard-ports.ts";
import { prepareRelease } from "./prepare-release.ts";
import type { LeaseFence } from "./release-state.ts";
import { runRelease } from "./run-release.ts";
import { recordStepFailure, releaseBlock } from "./step-failure.ts";

type Advance = Extract<Decision, { kind: "advance" }>;

function blockedBy(spec: ChannelSpec, reason: BlockReason, decision: Advance): TickOutcome {
  const blocked: Decision = { kind: "blocked", reasons: [reason], notes: decision.notes };
  return {
    channel: spec.name,
    kind: "blocked",
    summary: describeDecision(spec.name, blocked),
    decision: blocked,
  };
}

function outcomeOf(spec: ChannelSpec, run: ReleaseRun, decision: Advance): TickOutcome {
  const channel = spec.name;
  const notes = decision.notes;
  switch (run.kind) {
    case "advanced":
      return {
        channel,
        kind: "advanced",
        summary: `${channel} advanced to ${run.release}`,
        release: run.release,
        run,
        notes,
      };
    case "resumed":
      return {
        channel,
        kind: "advanced",
        summary: `${channel} advanced to ${run.release} (resumed)`,
        release: run.release,
        run,
        notes,
      };
    case "republished":
      return {
        channel,
        kind: "advanced",
        summary: `${channel} serves ${run.release} again (published before; the pointer had been moved back to ${run.previous ?? "none"})`,
        release: run.release,
        run,
        notes,
      };
    case "already-current":
      return {
        channel,
        kind: "advanced",
        summary: `${channel} already serves ${run.release}`,
        release: run.release,
        run,
        notes,
      };
    case "pointer-moved":
      return {
        channel,
        kind: "busy",
        summary: `${channel}: not publishing ${run.release}; the pointer moved to ${run.current ?? "none"} meanwhile`,
        busy: run,
      };
    case "release-moved":
      return {
        channel,
        kind: "busy",
        summary: `${channel}: ${run.release} was moved to ${run.state} by someone else; stopped`,
        busy: run,
      };
    case "lease-lost":
      return {
        channel,
        kind: "busy",
        summary: `${channel}: lease lost while working on ${run.release}; stopped`,
        busy: { kind: "lease-lost", owner: null },
      };
  }
}

/**
 * Carries out an `advance` decision: the release row (resumed, retried after its backoff, or not
 * at all while it waits or stopped as `failed`), then its steps, reporting what really happened.
 */
export async function advanceChannel(
  deps: Deps,
  spec: ChannelSpec,
  decision: Advance,
  ctx: { fence: LeaseFence; current: { id: number; name: string } | null; signal: AbortSignal },
): Promise<TickOutcome> {
  const release = await prepareRelease(deps, spec.name, decision.release);
  const waiting = release.nextAttemptAt && release.nextAttemptAt > deps.clock.now();
  if (release.state === "failed" || waiting) {
    const block = releaseBlock(release, deps.gate);
    if (block) return blockedBy(spec, block, decision);
  }
  try {
    // The steps' I/O is bound to the lease: losing it stops a download midway.
    const guarded = guardPorts(deps, ctx.signal);
    const run = await runRelease(guarded, spec, release, {
      fence: ctx.fence,
      current: ctx.current,
    });
    return outcomeOf(spec, run, decision);
  } catch (err) {
    if (ctx.signal.aborted || err instanceof LeaseLostError) {
      return outcomeOf(spec, { kind: "lease-lost", release: release.name }, decision);
    }
    const failed = await recordStepFailure(deps, release.id, err);
    const block = failed ? releaseBlock(failed, deps.gate) : null;
    if (!block) throw err;
    return blockedBy(spec, block, decision);
  }
}
