import { describe, expect, it } from "vitest";
import type { BranchMerge, HistoryCommit } from "../../git/git-host.ts";
import { mergeHistory } from "./merge-history.ts";
import { pushedMerges, saysMerged } from "./pushed-merges.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-06-01T00:00:00Z");
const at = (h: number) => new Date(T0 + h * HOUR);

describe("saysMerged", () => {
  it("reads the four forms nixpkgs' pushed merges are written in", () => {
    for (const message of [
      "Merge branch 'staging' into staging-next",
      "Merge remote-tracking branch 'origin/staging' into staging-next",
      "Merge branch 'NixOS:staging' into staging-next",
      "Merge staging into staging-next",
      "Merge branch 'staging' of https://github.com/NixOS/nixpkgs into staging-next",
      "Merge branch 'staging' into staging-next\n\nConflicts:\n\tpkgs/top-level/all-packages.nix",
    ]) {
      expect([message, saysMerged(message, "staging", "staging-next")]).toEqual([message, true]);
    }
  });

  it("matches branch names whole: staging is neither staging-next nor staging-26.05", () => {
    for (const [message, from, into] of [
      ["Merge branch 'staging-next' into staging-next", "staging", "staging-next"],
      ["Merge branch 'staging-26.05' into staging-next-26.05", "staging", "staging-next"],
      ["Merge branch 'staging' into staging-next-26.05", "staging", "staging-next"],
      ["Merge branch 'staging' into staging-next", "staging", "staging-next-26.05"],
      ["Merge branch 'master' into staging-next", "staging", "staging-next"],
      [
        "Merge remote-tracking branch 'origin/staging-next' into staging",
        "staging",
        "staging-next",
      ],
      // A dot is not a wildcard: 26.05 names one release.
      [
        "Merge branch 'staging-26x05' into staging-next-26.05",
        "staging-26.05",
        "staging-next-26.05",
      ],
      ["Merge pull request #1234 from NixOS/staging", "staging", "staging-next"],
      ["Revert \"Merge branch 'staging' into staging-next\"", "staging", "staging-next"],
    ] as const) {
      expect([message, saysMerged(message, from, into)]).toEqual([message, false]);
    }
    const release = "Merge branch 'staging-26.05' into staging-next-26.05";
    expect(saysMerged(release, "staging-26.05", "staging-next-26.05")).toBe(true);
    expect(saysMerged("Merge master into staging-next", "master", "staging-next")).toBe(true);
  });
});

describe("pushedMerges", () => {
  it("keeps merge commits that say so, at their committer date; ignores the rest", () => {
    const commits: HistoryCommit[] = [
      {
        sha: "a",
        message: "Merge branch 'staging' into staging-next",
        parentCount: 2,
        committedAt: at(30),
      },
      { sha: "b", message: "Merge master into staging-next", parentCount: 2, committedAt: at(20) },
      // Squashed or cherry-picked with the message kept: one parent, not a merge.
      {
        sha: "c",
        message: "Merge branch 'staging' into staging-next",
        parentCount: 1,
        committedAt: at(15),
      },
      { sha: "d", message: "Merge staging into staging-next", parentCount: 2, committedAt: at(10) },
      { sha: "e", message: "curl: 8.14 -> 8.15", parentCount: 1, committedAt: at(5) },
    ];
    expect(pushedMerges(commits, "staging", "staging-next")).toEqual([at(30), at(10)]);
    expect(pushedMerges(commits, "master", "staging-next")).toEqual([at(20)]);
  });
});

describe("mergeHistory", () => {
  const pushed = (hours: number[]): HistoryCommit[] =>
    hours.map((h) => ({
      sha: `m${h}`,
      message: "Merge branch 'staging' into staging-next",
      parentCount: 2,
      committedAt: at(h),
    }));
  const host = (pulls: BranchMerge[], commits: HistoryCommit[]) => {
    const asked: string[] = [];
    return {
      asked,
      branchMerges: async (from: string, into: string) => {
        asked.push(`pulls ${from} -> ${into}`);
        return pulls;
      },
      branchCommits: async (branch: string) => {
        asked.push(`commits ${branch}`);
        return commits;
      },
    };
  };
  const pulls = (hours: number[]) => hours.map((h, i) => ({ number: i + 1, mergedAt: at(h) }));

  it("pull requests when they are enough, without reading the branch's commits", async () => {
    const git = host(pulls([0, 6, 12]), pushed([1, 2, 3, 4]));
    expect(await mergeHistory(git, "staging-next", "master")).toEqual({
      source: "pull-requests",
      mergedAt: [at(0), at(6), at(12)],
    });
    expect(git.asked).toEqual(["pulls staging-next -> master"]);
  });

  it("pushed merge commits when pull requests are too few", async () => {
    const git = host(pulls([0]), pushed([0, 6, 12]));
    expect(await mergeHistory(git, "staging", "staging-next")).toEqual({
      source: "merge-commits",
      mergedAt: [at(0), at(6), at(12)],
    });
    expect(git.asked).toEqual(["pulls staging -> staging-next", "commits staging-next"]);
  });

  it("too few either way: the pull requests, saying what the commits held", async () => {
    const history = await mergeHistory(host(pulls([0]), pushed([3])), "staging", "staging-next");
    expect(history).toEqual({
      source: "pull-requests",
      mergedAt: [at(0)],
      alsoLooked: "and 1 merge commit(s) among staging-next's newest 100 commits",
    });
  });
});
