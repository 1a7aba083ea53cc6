import { describe, expect, it } from "vitest";
import { createMemoryUpstreamCache } from "../../db/upstream-cache.ts";
import type { LookupHost } from "../../git/budgeted-lookup-host.ts";
import type { Comparison } from "../../git/git-host.ts";
import {
  FOLLOW_STATE_KEY,
  PassSpentError,
  readFollowState,
  readsCapped,
  writeFollowState,
} from "./follow-state.ts";

const comparison: Comparison = { status: "ahead", aheadBy: 1, behindBy: 0, commits: [] };
const host = (calls: string[]): LookupHost => ({
  branchHead: async () => null,
  commit: async (sha) => ({ sha, committedAt: new Date(0) }),
  compare: async (base, head) => {
    calls.push(`${base}...${head}`);
    return comparison;
  },
  pull: async (number) => {
    calls.push(`#${number}`);
    return null;
  },
  pullsForCommit: async () => [],
  branchMerges: async () => [],
  branchCommits: async () => [],
});

describe("the follow pass's state and read cap", () => {
  it("lets a pass make its share of reads, then stops it before GitHub is asked", async () => {
    const calls: string[] = [];
    const git = readsCapped(host(calls), 2);
    await git.compare("a", "b");
    await git.pull(7);
    await expect(git.compare("c", "d")).rejects.toBeInstanceOf(PassSpentError);
    await expect(git.pull(8)).rejects.toBeInstanceOf(PassSpentError);
    expect(calls).toEqual(["a...b", "#7"]);
  });

  it("keeps its progress in the shared cache, and reads a damaged entry as none", async () => {
    const cache = createMemoryUpstreamCache();
    expect(await readFollowState(cache)).toEqual({
      ranAt: new Date(0).toISOString(),
      after: 0,
      checked: {},
    });
    const now = new Date("2026-11-28T12:00:00Z");
    const state = { ranAt: now.toISOString(), after: 12, checked: { "12": { small: 40 } } };
    await writeFollowState(cache, state, now);
    expect(await readFollowState(cache)).toEqual(state);
    const body = { ranAt: "x", after: 3, checked: { "1": { a: "nope", b: 2 }, "2": [] } };
    await cache.put(FOLLOW_STATE_KEY, { etag: null, body, storedAt: now });
    expect(await readFollowState(cache)).toEqual({
      ranAt: "x",
      after: 3,
      checked: { "1": { b: 2 } },
    });
  });
});
