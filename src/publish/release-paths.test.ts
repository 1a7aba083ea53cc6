import { describe, expect, it } from "vitest";
import {
  channelDir,
  releaseFileKey,
  releaseIndexKey,
  releasePrefix,
  splitKey,
} from "./release-paths.ts";

describe("channelDir", () => {
  it("maps channel names to release directories like mirror-nixos-branch.pl", () => {
    expect(channelDir("nixos-unstable")).toBe("nixos/unstable");
    expect(channelDir("nixos-unstable-small")).toBe("nixos/unstable-small");
    expect(channelDir("nixos-26.05")).toBe("nixos/26.05");
    expect(channelDir("nixpkgs-26.05-darwin")).toBe("nixpkgs/26.05-darwin");
    expect(channelDir("nixpkgs-unstable")).toBe("nixpkgs");
  });

  it("refuses names without a family prefix", () => {
    expect(() => channelDir("unstable")).toThrow(/<family>-<name>/);
    expect(() => channelDir("Nixos-unstable")).toThrow(/BAD_CHANNEL_NAME|family/);
    expect(() => channelDir("nixos-")).toThrow();
    expect(() => channelDir("nixos-../../etc")).toThrow();
  });
});

describe("release keys", () => {
  it("puts files under the release prefix and the index beside them", () => {
    const name = "nixos-26.11pre1046609.643809054d65";
    expect(releasePrefix("nixos-unstable", name)).toBe(`nixos/unstable/${name}`);
    expect(releaseFileKey("nixos-unstable", name, "nixexprs.tar.xz")).toBe(
      `nixos/unstable/${name}/nixexprs.tar.xz`,
    );
    expect(releaseIndexKey("nixpkgs-unstable", "nixpkgs-26.11pre1.abc")).toBe(
      "nixpkgs/nixpkgs-26.11pre1.abc/index.html",
    );
  });

  it("refuses release and file names that would escape the prefix", () => {
    expect(() => releasePrefix("nixos-unstable", "..")).toThrow();
    expect(() => releaseFileKey("nixos-unstable", "nixos-1.0", "../x")).toThrow();
  });
});

describe("splitKey", () => {
  it("accepts relative keys and rejects traversal, absolute and empty segments", () => {
    expect(splitKey("nixos/unstable/r/nixexprs.tar.xz")).toEqual([
      "nixos",
      "unstable",
      "r",
      "nixexprs.tar.xz",
    ]);
    for (const bad of ["", "/abs", "a//b", "a/../b", "..", "a/./b", "a/.hidden", "a\\b", "a/b/"]) {
      expect(splitKey(bad), bad).toBeNull();
    }
  });
});
