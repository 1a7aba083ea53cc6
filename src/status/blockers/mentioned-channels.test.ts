import { describe, expect, it } from "vitest";
import { mentionedChannels } from "./mentioned-channels.ts";

const CHANNELS = ["nixos-unstable", "nixos-unstable-small", "nixos-25.05", "nixpkgs-unstable"];

describe("mentionedChannels", () => {
  it.each([
    ["nixos-unstable blocked by firefox", ["nixos-unstable"]],
    ["only nixos-unstable-small is stuck", ["nixos-unstable-small"]],
    ["Blocks nixos-25.05.", ["nixos-25.05"]],
    ["nixos-25.055 is not a channel; nor is xnixpkgs-unstable", []],
    ["(NixOS-Unstable, nixpkgs-unstable)", ["nixos-unstable", "nixpkgs-unstable"]],
    ["linux 6.18 fails to boot", []],
  ])("%s", (text, expected) => {
    expect(mentionedChannels(text, CHANNELS)).toEqual(expected);
  });
});
