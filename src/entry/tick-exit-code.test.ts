import { describe, expect, it } from "vitest";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { tickExitCode } from "./tick-exit-code.ts";

const busy: TickOutcome = {
  channel: "nixos-unstable",
  kind: "busy",
  summary: "nixos-unstable: busy",
  busy: { kind: "lease-held", owner: "node-1#3", until: null },
};
const idle: TickOutcome = {
  channel: "nixpkgs-unstable",
  kind: "idle",
  summary: "up to date",
  decision: { kind: "idle", reason: { kind: "no-candidate" }, notes: [] },
};
const error: TickOutcome = { channel: "x", kind: "error", summary: "x: failed", code: "HYDRA" };

describe("tickExitCode", () => {
  it("exits 75 when a channel was busy, 1 when one failed, else 0", () => {
    expect(tickExitCode([idle])).toBe(0);
    expect(tickExitCode([idle, busy])).toBe(75);
    expect(tickExitCode([busy, error])).toBe(1);
  });
});
