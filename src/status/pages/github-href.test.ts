import { describe, expect, it } from "vitest";
import { githubHref } from "./github-href.ts";

describe("githubHref", () => {
  it("keeps https://github.com/ links only", () => {
    expect(githubHref("https://github.com/NixOS/nixpkgs/pull/1")).toBe(
      "https://github.com/NixOS/nixpkgs/pull/1",
    );
    for (const bad of [
      "javascript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,x",
      "http://github.com/x",
      "https://github.com.evil.example/x",
      "https://evil.example/https://github.com/",
      "https://a@github.com/x",
      "https://github.com:444/x",
      "/relative",
      "",
    ]) {
      expect({ bad, href: githubHref(bad) }).toEqual({ bad, href: null });
    }
  });
});
