import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/config.ts";
import { scenarioChannels } from "../sim/scenario.ts";
import { channelsDue, TICK_CRON } from "./schedule.ts";

describe("channelsDue", () => {
  const specs = parseConfig(
    {},
    {
      raw: {
        channels: [
          { ...scenarioChannels[0] },
          { ...scenarioChannels[1], schedule: "*/5 * * * *" },
          { ...scenarioChannels[0], name: "nixos-hourly", schedule: "0 * * * *" },
        ],
      },
      source: "test",
    },
  ).channels;
  const names = (cron: string, crons?: string[]) =>
    channelsDue(specs, cron, crons).map((c) => c.name);

  it("ticks the channels scheduled on the cron that fired", () => {
    const crons = [TICK_CRON, "*/5 * * * *", "0 * * * *"];
    expect(names(TICK_CRON, crons)).toEqual(["nixos-unstable"]);
    expect(names("*/5 * * * *", crons)).toEqual(["nixpkgs-unstable"]);
    expect(names("0 * * * *", crons)).toEqual(["nixos-hourly"]);
  });

  it("ticks a channel whose schedule has no trigger on the default cron instead of never", () => {
    expect(names(TICK_CRON, [TICK_CRON])).toEqual([
      "nixos-unstable",
      "nixpkgs-unstable",
      "nixos-hourly",
    ]);
    expect(names("*/5 * * * *", [TICK_CRON])).toEqual(["nixpkgs-unstable"]);
  });
});
