import { describe, expect, it } from "vitest";
import type { AlertRow } from "../db/schema.ts";
import type { AlertData } from "./alert-types.ts";
import { slackMessage } from "./slack-message.ts";

const links = {
  publicUrl: "https://floodgate.example",
  hydraUrl: "https://hydra.example",
  repoUrl: "https://github.com/NixOS/nixpkgs",
};

function row(summary: string, data: AlertData): AlertRow {
  const at = new Date("2026-11-28T12:00:00Z");
  return {
    id: 1,
    channel: "nixos-unstable",
    kind: data.kind,
    dedupeKey: "k",
    summary,
    data: { ...data },
    state: "pending",
    deliveries: {},
    attempts: 0,
    nextAttemptAt: at,
    claimedUntil: null,
    createdAt: at,
    deliveredAt: null,
    subscriptionId: null,
  };
}

describe("slackMessage", () => {
  it("escapes Hydra's names for mrkdwn and links the page, the build and the eval", () => {
    const hostile = "nixos.tests.<b>x</b>&y.x86_64-linux";
    const message = slackMessage(
      row(`nixos-unstable blocked: eval 7: ${hostile} failed`, {
        kind: "blocked",
        reason: "constituents-failed",
        evalId: 7,
        evalUrl: "https://hydra.example/eval/7",
        gateUrl: "https://hydra.example/build/70",
        failing: [
          {
            job: hostile,
            system: "x86_64-linux",
            buildId: 71,
            url: "https://hydra.example/build/71",
            statusText: "failed",
          },
        ],
        detail: "",
      }),
      links,
    );
    const json = JSON.stringify(message);
    expect(message.text).toBe(
      "nixos-unstable blocked: eval 7: nixos.tests.&lt;b&gt;x&lt;/b&gt;&amp;y.x86_64-linux failed",
    );
    expect(json).not.toContain("<b>");
    expect(json).toContain(
      "<https://hydra.example/build/71|nixos.tests.&lt;b&gt;x&lt;/b&gt;&amp;y.x86_64-linux>",
    );
    expect(json).toContain("<https://floodgate.example/channels/nixos-unstable|nixos-unstable>");
    expect(json).toContain("<https://hydra.example/eval/7|Hydra eval 7>");
  });

  it("adds the unblock verdict per constituent: its text, the first-bad range and its PRs", () => {
    const build = (job: string, id: number) => ({
      job,
      system: "x86_64-linux",
      buildId: id,
      url: `https://hydra.example/build/${id}`,
      statusText: "failed",
    });
    const compareUrl = "https://github.com/NixOS/nixpkgs/compare/aaa...bbb";
    const message = slackMessage(
      row("nixos-unstable blocked: eval 7: a, b failed", {
        kind: "blocked",
        reason: "constituents-failed",
        evalId: 7,
        evalUrl: null,
        gateUrl: null,
        failing: [
          {
            ...build("a", 71),
            verdict: { kind: "flaky", text: "likely flaky: failed 3 times in 20 evals, <each>" },
          },
          {
            ...build("b", 72),
            verdict: {
              kind: "consistent",
              text: "failing since eval 6 (first bad; passed in eval 5)",
              compareUrl,
              pulls: [
                { number: 4242, title: "x", url: "https://github.com/NixOS/nixpkgs/pull/4242" },
              ],
            },
          },
        ],
        detail: "",
      }),
      links,
    );
    const json = JSON.stringify(message);
    expect(json).toContain("(failed): likely flaky: failed 3 times in 20 evals, &lt;each&gt;");
    expect(json).toContain(
      `(failed): failing since eval 6 (first bad; passed in eval 5) (<${compareUrl}|first-bad range>) <https://github.com/NixOS/nixpkgs/pull/4242|#4242>`,
    );
  });

  it("lists at most ten constituents and says how many more fail", () => {
    const failing = Array.from({ length: 14 }, (_, i) => ({
      job: `job${i}`,
      system: "x86_64-linux",
      buildId: i,
      url: `https://hydra.example/build/${i}`,
      statusText: "failed",
    }));
    const message = slackMessage(
      row("nixos-unstable still blocked", {
        kind: "digest",
        evalId: 7,
        blockedSince: "2026-11-27T12:00:00Z",
        failing,
        failingSinceAlert: [],
      }),
      links,
    );
    const json = JSON.stringify(message.blocks);
    expect(json).toContain("job9");
    expect(json).not.toContain("job10|");
    expect(json).toContain("and 4 more");
  });

  it("links the advanced revision on GitHub and the notable PRs", () => {
    const json = JSON.stringify(
      slackMessage(
        row("nixos-unstable advanced to nixos-26.11pre1.abc (3 commits)", {
          kind: "advanced",
          release: "nixos-26.11pre1.abc",
          previousRelease: null,
          revision: "abcdef0123456789",
          evalId: 9,
          commitCount: 3,
          notablePrs: [
            {
              number: 42,
              title: "hello: 2.12 -> 2.13",
              url: "https://github.com/NixOS/nixpkgs/pull/42",
            },
          ],
          revisionAgeSeconds: 7200,
          blockedSince: null,
        }),
        links,
      ).blocks,
    );
    expect(json).toContain(
      "<https://github.com/NixOS/nixpkgs/commit/abcdef0123456789|abcdef012345>",
    );
    expect(json).toContain("<https://github.com/NixOS/nixpkgs/pull/42|#42 hello: 2.12 -&gt; 2.13>");
    expect(json).toContain("3 new commits");
  });
});
