import { describe, expect, it } from "vitest";
import { parseBadge } from "../../../test/support/svg.ts";
import type { ChannelStatus } from "../read-model/channel-status.ts";
import { BADGE_COLOURS, renderBadge } from "./badge-svg.ts";
import { channelBadge } from "./channel-badge.ts";

const DAY = 86_400;

function status(over: Partial<ChannelStatus>): ChannelStatus {
  return {
    name: "nixos-unstable",
    status: "rolling",
    variant: "primary",
    job: "nixos/unstable/tested",
    branch: "nixos-unstable",
    release: {
      name: "nixos-26.11pre1.abcdef012345",
      revision: "abcdef0123456789abcdef0123456789abcdef01",
      url: "http://floodgate.test/releases/nixos/unstable/nixos-26.11pre1.abcdef012345",
      revisionCommittedAt: null,
      publishedAt: null,
    },
    revisionAgeSeconds: DAY,
    updateAgeSeconds: DAY,
    frozen: null,
    pin: null,
    state: "idle",
    summary: "",
    reasons: [],
    notes: [],
    unblock: null,
    blockedSince: null,
    lastTickAt: null,
    ...over,
  };
}

describe("channelBadge", () => {
  it.each([
    [2 * DAY + 3_600, "2 days", "green"],
    [3 * DAY, "3 days", "yellow"],
    [9 * DAY, "9 days", "yellow"],
    [10 * DAY, "10 days", "red"],
  ] as const)("colours a revision %i seconds old by its age", (age, message, colour) => {
    expect(channelBadge(status({ revisionAgeSeconds: age }))).toEqual({
      label: "nixos-unstable",
      message,
      colour,
    });
  });

  it("says blocked, and is grey for unmaintained channels and unknown ages", () => {
    expect(channelBadge(status({ state: "blocked" })).message).toBe("1 day · blocked");
    expect(channelBadge(status({ status: "unmaintained", revisionAgeSeconds: 99 * DAY }))).toEqual({
      label: "nixos-unstable",
      message: "unmaintained",
      colour: "grey",
    });
    expect(channelBadge(status({ release: null })).colour).toBe("grey");
    expect(channelBadge(status({ revisionAgeSeconds: null })).colour).toBe("grey");
  });
});

describe("renderBadge", () => {
  it("is SVG whose text is escaped and whose message box has the colour", () => {
    const hostile = `<script>"&'`;
    const svg = renderBadge("nixos-unstable", hostile, "red");
    expect(svg).not.toContain("<script>");
    expect(parseBadge(svg)).toEqual({
      title: `nixos-unstable: ${hostile}`,
      label: "nixos-unstable",
      message: hostile,
      colour: BADGE_COLOURS.red,
    });
  });

  it("widens with its text", () => {
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)?.[1]);
    expect(width(renderBadge("a", "1 day", "green"))).toBeLessThan(
      width(renderBadge("nixos-unstable-small", "10 days · blocked", "green")),
    );
  });
});
