import type { ChannelFacts, ConstituentFact, GateBuildFact } from "../domain/facts.ts";

/** The constituent names an admin accepted for this gate's eval. */
export function acceptedFor(facts: ChannelFacts, gate: GateBuildFact): Set<string> {
  const names = (facts.accepted ?? [])
    .filter((a) => a.evalId === gate.evalId)
    .flatMap((a) => a.constituents);
  return new Set(names);
}

export function isAccepted(c: ConstituentFact, accepted: Set<string>): boolean {
  return accepted.has(c.job) || accepted.has(`${c.job}.${c.system}`);
}

export function acceptedFailures(facts: ChannelFacts, gate: GateBuildFact): ConstituentFact[] {
  const accepted = acceptedFor(facts, gate);
  return gate.constituents.filter((c) => c.state === "failed" && isAccepted(c, accepted));
}
