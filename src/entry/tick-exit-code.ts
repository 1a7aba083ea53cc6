import type { TickOutcome } from "../domain/tick-outcome.ts";

/** `floodgate tick` exit codes: cron and systemd see a failed tick and a busy channel apart. */
export const TICK_EXIT = {
  ok: 0,
  error: 1,
  /** EX_TEMPFAIL: another process holds a channel's lease (or lost it to one); try again later. */
  busy: 75,
} as const;

export function tickExitCode(outcomes: TickOutcome[]): number {
  if (outcomes.some((o) => o.kind === "error")) return TICK_EXIT.error;
  if (outcomes.some((o) => o.kind === "busy")) return TICK_EXIT.busy;
  return TICK_EXIT.ok;
}
