import { describe, expect, it } from "vitest";
import { compareVersions, releaseVersion } from "./release-version.ts";

describe("compareVersions", () => {
  it.each([
    ["26.11pre1046609.643809054d65", "26.11pre1046610.0123456789ab", -1],
    ["26.11pre999.ffffffffffff", "26.11pre1000.000000000000", -1],
    ["26.05.4659.8f0500b96605", "26.05.4700.0123456789ab", -1],
    ["26.11pre5.abc", "26.11", -1],
    ["1.0", "1.0", 0],
    ["2.3a", "2.3", 1],
    ["2.3.1", "2.3a", 1],
  ])("compares %s with %s as %i like Nix", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });
});

describe("releaseVersion", () => {
  it("takes the part after the first -<digit>", () => {
    expect(releaseVersion("nixos-26.11pre1046609.643809054d65")).toBe(
      "26.11pre1046609.643809054d65",
    );
    expect(releaseVersion("nixpkgs-darwin-26.05.1234.abcdef")).toBe("26.05.1234.abcdef");
  });

  it("refuses a name without a version", () => {
    expect(() => releaseVersion("nixos-unstable")).toThrow(/version/);
  });
});
