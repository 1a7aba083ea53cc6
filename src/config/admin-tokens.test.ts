import { describe, expect, it } from "vitest";
import defaults from "./channels.default.json" with { type: "json" };
import { parseConfig } from "./config.ts";

const bundled = { raw: defaults, source: "bundled" };
const TOKEN = "0123456789abcdef0123";

describe("FLOODGATE_ADMIN_TOKEN", () => {
  it("is off when unset, labels a plain token 'admin', and reads label:token lists", () => {
    expect(parseConfig({}, bundled).adminTokens).toEqual([]);
    expect(parseConfig({ FLOODGATE_ADMIN_TOKEN: TOKEN }, bundled).adminTokens).toEqual([
      { label: "admin", token: TOKEN },
    ]);
    const two = parseConfig({ FLOODGATE_ADMIN_TOKEN: `alice:${TOKEN}, bob:${TOKEN}x` }, bundled);
    expect(two.adminTokens).toEqual([
      { label: "alice", token: TOKEN },
      { label: "bob", token: `${TOKEN}x` },
    ]);
  });

  it("refuses short tokens, bad labels and repeated tokens, naming the variable", () => {
    for (const bad of ["short", `alice:short`, `al ice:${TOKEN}`, `a:${TOKEN},b:${TOKEN}`]) {
      expect(() => parseConfig({ FLOODGATE_ADMIN_TOKEN: bad }, bundled), bad).toThrow(
        /^FLOODGATE_ADMIN_TOKEN: expected/,
      );
    }
  });
});
