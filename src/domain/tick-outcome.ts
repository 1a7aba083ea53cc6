import type { Decision } from "../domain/decision.ts";

/** What one tick of one channel did; stored on the channel, logged, and the source of its events. */
export type TickOutcome =
  | { channel: string; kind: "advanced"; summary: string; release: string }
  | { channel: string; kind: "blocked" | "idle"; summary: string; decision: Decision }
  | { channel: string; kind: "error"; summary: string; code: string }
  | { channel: string; kind: "busy"; summary: string };
