import type { ChannelSpec } from "../../config/channels-file.ts";
import type { ChannelOutcome } from "../../db/schema.ts";

/** A release name in the real ones' shape: `nixos-26.11pre712345.0123456789ab`, `nixos-26.05.812.…`. */
export function releaseName(spec: ChannelSpec, counter: number, sha: string): string {
  const [collection] = spec.name.split("-");
  const version = /-(\d\d\.\d\d)/.exec(spec.name)?.[1];
  const label = version ? `${version}.${counter}` : `26.11pre${700_000 + counter}`;
  return `${collection}-${label}.${sha.slice(0, 12)}`;
}

/** What `recordOutcome` stores for an advance (src/domain/tick-outcome.ts). */
export function advancedOutcome(channel: string, release: string, at: Date): ChannelOutcome {
  return {
    channel,
    kind: "advanced",
    summary: `advanced to ${release}`,
    release,
    run: { kind: "advanced", release, previous: null },
    notes: [],
    at: at.toISOString(),
  };
}

/** What `recordOutcome` stores when one constituent of the gate's eval failed. */
export function blockedOutcome(
  channel: string,
  evalId: number,
  buildId: number,
  at: Date,
): ChannelOutcome {
  const failedId = buildId + 1;
  const failed = {
    buildId: failedId,
    job: "nixos.tests.t1.x86_64-linux",
    system: "x86_64-linux",
    state: "failed",
    buildstatus: 1,
    statusText: "failed",
    url: `https://hydra.nixos.org/build/${failedId}`,
  };
  const reason = {
    kind: "constituents-failed",
    evalId,
    buildId,
    url: `https://hydra.nixos.org/build/${buildId}`,
    failed: [failed],
  };
  return {
    channel,
    kind: "blocked",
    summary: `blocked: 1 constituent of eval ${evalId} failed`,
    decision: { kind: "blocked", reasons: [reason], notes: [] },
    at: at.toISOString(),
  };
}
