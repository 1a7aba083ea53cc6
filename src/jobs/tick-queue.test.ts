import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/config.ts";
import type { Deps } from "../deps.ts";
import { silentLogger } from "../log.ts";
import { scenarioChannels } from "../sim/scenario.ts";
import { TICK_CRON } from "./schedule.ts";
import { enqueueScheduledTicks, runQueuedTick, type TickMessage } from "./tick-queue.ts";

const channels = parseConfig(
  {},
  {
    raw: {
      channels: [
        ...scenarioChannels,
        { ...scenarioChannels[0], name: "nixos-hourly", schedule: "0 * * * *" },
      ],
    },
    source: "test",
  },
).channels;

describe("the tick queue", () => {
  it("sends one message per channel due on the cron that fired", async () => {
    const sent: TickMessage[] = [];
    const queue = {
      sendBatch: async (messages: { body: TickMessage }[]) => {
        sent.push(...messages.map((m) => m.body));
      },
    };
    const deps = { channels, logger: silentLogger };
    expect(await enqueueScheduledTicks(deps, queue, TICK_CRON)).toEqual([
      "nixos-unstable",
      "nixpkgs-unstable",
      "nixos-hourly",
    ]);
    expect(sent).toEqual([
      { channel: "nixos-unstable", cron: TICK_CRON },
      { channel: "nixpkgs-unstable", cron: TICK_CRON },
      { channel: "nixos-hourly", cron: TICK_CRON },
    ]);
  });

  it("refuses a message that is not a tick of a configured channel, ticking nothing", async () => {
    // safe because only `channels` is read before the message is refused
    const deps = { channels, logger: silentLogger } as unknown as Deps;
    await expect(runQueuedTick(deps, { nope: 1 })).rejects.toThrow(/not a tick message/);
    await expect(runQueuedTick(deps, { channel: "nixos-nope", cron: TICK_CRON })).rejects.toThrow(
      /unknown channel "nixos-nope"/,
    );
  });
});
