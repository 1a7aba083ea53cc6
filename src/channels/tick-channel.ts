import { eq } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { type Channel, channels } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { errorCode, errorMessage, MissingRowError } from "../errors.ts";
import { explainDecision } from "../unblock/explain-outcome.ts";
import { advanceChannel } from "./advance-channel.ts";
import { decideAdvance } from "./decide-advance.ts";
import { describeDecision } from "./describe-decision.ts";
import { gatherFacts } from "./gather-facts.ts";
import { acquireLease, leaseToken, releaseLease } from "./lease.ts";
import { startHeartbeat } from "./lease-heartbeat.ts";
import { recordOutcome } from "./record-outcome.ts";

async function loadChannel(deps: Deps, name: string): Promise<Channel> {
  const [row] = await deps.db.select().from(channels).where(eq(channels.name, name));
  if (!row) throw new MissingRowError(`channel row ${name} missing after lease`, { channel: name });
  return row;
}

async function decideAndAct(
  deps: Deps,
  spec: ChannelSpec,
  row: Channel,
  fence: { channel: string; token: string },
  signal: AbortSignal,
): Promise<TickOutcome> {
  const facts = await gatherFacts(deps, spec, row);
  const decision = decideAdvance(facts);
  if (decision.kind !== "advance") {
    const summary = describeDecision(spec.name, decision);
    const unblock = await explainDecision(deps, spec, decision);
    return {
      channel: spec.name,
      kind: decision.kind,
      summary,
      decision,
      ...(unblock ? { unblock } : {}),
    };
  }
  const current =
    row.currentReleaseId !== null && facts.current
      ? { id: row.currentReleaseId, name: facts.current.releaseName }
      : null;
  return advanceChannel(deps, spec, decision, { fence, current, signal });
}

const stopped = (spec: ChannelSpec): TickOutcome => ({
  channel: spec.name,
  kind: "busy",
  summary: `${spec.name}: stopped (shutting down); the next tick resumes`,
  busy: { kind: "stopped" },
});

/**
 * One pass for one channel: take the lease (renewed while the pass runs), gather facts, decide,
 * advance if allowed, record what happened. A channel someone else holds answers `busy`. `stop`
 * (SIGTERM) cuts a step short: the lease is let go at once, so the next start resumes the release.
 */
export async function tickChannel(
  deps: Deps,
  spec: ChannelSpec,
  stop?: AbortSignal,
): Promise<TickOutcome> {
  const log = deps.logger.child({ channel: spec.name });
  const token = leaseToken(deps.owner);
  const lease = await acquireLease(deps.db, spec.name, token, deps.clock.now(), deps.gate.leaseMs);
  if (lease.kind === "held") {
    const until = lease.until?.toISOString() ?? null;
    log.warn("channel busy", { step: "lease", owner: lease.owner, leaseUntil: until });
    return {
      channel: spec.name,
      kind: "busy",
      summary: `${spec.name}: busy, ${lease.owner ?? "another advancer"} holds the lease until ${until ?? "unknown"}`,
      busy: { kind: "lease-held", owner: lease.owner, until },
    };
  }
  const heldFrom = Date.now();
  const heartbeat = startHeartbeat(deps, spec.name, token);
  const signal = stop ? AbortSignal.any([heartbeat.signal, stop]) : heartbeat.signal;
  let outcome: TickOutcome;
  try {
    const row = await loadChannel(deps, spec.name);
    try {
      outcome = await decideAndAct(deps, spec, row, { channel: spec.name, token }, signal);
    } catch (err) {
      outcome = signal.aborted
        ? {
            channel: spec.name,
            kind: "busy",
            summary: `${spec.name}: lease lost during the tick; stopped`,
            busy: { kind: "lease-lost", owner: null },
          }
        : {
            channel: spec.name,
            kind: "error",
            summary: `${spec.name}: tick failed: ${errorMessage(err)}`,
            code: errorCode(err),
          };
      if (outcome.kind === "error") {
        log.error("tick failed", { step: "tick", code: errorCode(err), error: errorMessage(err) });
      }
    }
    if (stop?.aborted && (outcome.kind === "busy" || outcome.kind === "error")) {
      outcome = stopped(spec);
    }
    if (!heartbeat.signal.aborted) {
      await recordOutcome(deps, row, outcome);
      await deps.changes.channelChanged(spec.name);
    }
  } finally {
    await heartbeat.stop();
    // While held: the span lies inside the lease, so two processes' spans must never overlap.
    const held = { heldFrom: new Date(heldFrom).toISOString(), heldMs: Date.now() - heldFrom };
    await releaseLease(deps.db, spec.name, token);
    log.info("lease released", { step: "lease", ...held });
  }
  return outcome;
}
