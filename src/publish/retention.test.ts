import { describe, expect, it } from "vitest";
import type { ReleaseState } from "../db/schema.ts";
import { chooseReleasesToPrune, keepReferenced, type RetainedRelease } from "./retention.ts";

let nextId = 1;
function release(state: ReleaseState, day: number | null, extra: Partial<RetainedRelease> = {}) {
  const id = nextId++;
  return {
    id,
    name: `nixos-26.11pre${id}.abc`,
    state,
    publishedAt: day === null ? null : new Date(Date.UTC(2026, 10, day)),
    pruneStartedAt: null,
    ...extra,
  } satisfies RetainedRelease;
}
const names = (choices: { release: RetainedRelease }[]) => choices.map((c) => c.release.name);

describe("chooseReleasesToPrune", () => {
  it("keeps the newest N published releases and deletes older ones, oldest first", () => {
    const rs = [1, 2, 3, 4, 5].map((day) => release("published", day));
    const choices = chooseReleasesToPrune(rs.toReversed(), { keep: 2, protectedIds: new Set() });
    expect(names(choices)).toEqual([rs[0]?.name, rs[1]?.name, rs[2]?.name]);
    expect(choices[0]?.reason).toBe("older than the newest 2 published releases");
  });

  it("never deletes the served or pinned release, however old", () => {
    const [pinned, served, a, b] = [1, 2, 3, 4].map((day) => release("published", day));
    const protectedIds = new Set([pinned?.id ?? 0, served?.id ?? 0]);
    const all = [pinned, served, a, b].filter((r) => r !== undefined);
    expect(chooseReleasesToPrune(all, { keep: 1, protectedIds }).map((c) => c.release)).toEqual([
      a,
    ]);
  });

  it("never deletes an unfinished release, and deletes abandoned ones older than every kept one", () => {
    const oldAbandoned = release("abandoned", null);
    const old = release("published", 1);
    const kept = release("published", 2);
    const newAbandoned = release("abandoned", null);
    const unfinished = (["pending", "files", "branch", "failed"] as const).map((s) =>
      release(s, null),
    );
    const all = [oldAbandoned, old, kept, newAbandoned, ...unfinished];
    expect(names(chooseReleasesToPrune(all, { keep: 1, protectedIds: new Set() }))).toEqual([
      oldAbandoned.name,
      old.name,
    ]);
  });

  it("skips releases already being pruned, and keeps everything when told to", () => {
    const marked = release("published", 1, { pruneStartedAt: new Date() });
    const rs = [marked, release("published", 2), release("published", 3)];
    expect(chooseReleasesToPrune(rs, { keep: 1, protectedIds: new Set() })).toHaveLength(1);
    expect(chooseReleasesToPrune(rs, { keep: null, protectedIds: new Set() })).toEqual([]);
  });
});

describe("keepReferenced", () => {
  it("keeps a chosen release that something names, with every reason, and prunes the rest", () => {
    const [a, b, c] = [1, 2, 3].map((day) => release("published", day));
    const all = [a, b, c].filter((r) => r !== undefined);
    const choices = chooseReleasesToPrune(all, { keep: 0, protectedIds: new Set() });
    const { prune, kept } = keepReferenced(choices, [
      { release: a?.name ?? "", why: "audit entry 7 (pin) names it" },
      { release: a?.name ?? "", why: "alert 9 (advanced) is not yet delivered" },
      { release: "nixos-26.11pre999.none", why: "a release of another channel" },
    ]);
    expect(names(prune)).toEqual([b?.name, c?.name]);
    expect(kept).toEqual([
      {
        name: a?.name,
        why: ["audit entry 7 (pin) names it", "alert 9 (advanced) is not yet delivered"],
      },
    ]);
  });
});
