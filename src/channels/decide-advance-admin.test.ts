import { describe, expect, it } from "vitest";
import type { ChannelFacts, ConstituentFact, GateBuildFact } from "../domain/facts.ts";
import { decideAdvance } from "./decide-advance.ts";
import { describeDecision } from "./describe-decision.ts";

const rev = (c: string) => c.repeat(40);
const FOO = "nixos.tests.foo.x86_64-linux";
const BAR = "nixos.tests.bar.x86_64-linux";

function constituent(job: string, state: ConstituentFact["state"]): ConstituentFact {
  const buildstatus = state === "failed" ? 1 : state === "passed" ? 0 : null;
  return {
    buildId: job.length,
    job,
    system: "x86_64-linux",
    state,
    buildstatus,
    statusText: state,
    url: "u",
  };
}

function gate(n: number, constituents: ConstituentFact[], passed = true): GateBuildFact {
  return {
    buildId: 100 + n,
    evalId: 10 + n,
    releaseName: `nixos-26.11pre${1000 + n}.${String(n).repeat(12)}`,
    revision: rev(String(n)),
    url: `https://hydra.example/build/${100 + n}`,
    passed,
    constituents,
  };
}

function facts(over: Partial<ChannelFacts> = {}): ChannelFacts {
  const current = gate(1, []);
  return {
    channel: "nixos-unstable",
    frozen: null,
    current: { releaseName: current.releaseName, revision: current.revision, buildId: 101 },
    candidate: gate(2, [constituent(FOO, "passed")]),
    newerFailure: null,
    branch: { name: "nixos-unstable", head: rev("1"), candidateIs: "ahead" },
    source: { name: "master", head: rev("9"), candidateIs: "behind", newerFailureIs: "behind" },
    ...over,
  };
}

describe("decideAdvance with an admin's freeze, pin and accept", () => {
  it("holds a pinned channel, saying the branch is not forced back", () => {
    const decision = decideAdvance(
      facts({ pinned: { releaseName: "nixos-26.11pre1000.x", reason: "firefox crash" } }),
    );
    expect(decision).toEqual({
      kind: "blocked",
      reasons: [
        {
          kind: "pinned",
          releaseName: "nixos-26.11pre1000.x",
          reason: "firefox crash",
          branch: "nixos-unstable",
        },
      ],
      notes: [],
    });
    expect(describeDecision("nixos-unstable", decision)).toContain(
      "pinned to nixos-26.11pre1000.x (firefox crash); branch nixos-unstable is not forced back",
    );
  });

  it("names both a freeze and a pin", () => {
    const decision = decideAdvance(
      facts({ frozen: { reason: "release day" }, pinned: { releaseName: "r", reason: null } }),
    );
    expect(decision.kind === "blocked" && decision.reasons.map((r) => r.kind)).toEqual([
      "frozen",
      "pinned",
    ]);
  });

  it("passes a failed eval whose only failures were accepted, and says which", () => {
    const failed = gate(3, [constituent(FOO, "failed"), constituent(BAR, "passed")], false);
    const decision = decideAdvance(
      facts({
        newerFailure: failed,
        accepted: [{ evalId: 13, constituents: [FOO] }],
        branch: {
          name: "nixos-unstable",
          head: rev("1"),
          candidateIs: "ahead",
          newerFailureIs: "ahead",
        },
      }),
    );
    expect(decision).toMatchObject({
      kind: "advance",
      release: { name: failed.releaseName, evalId: 13, buildId: 103 },
      accepted: [{ job: FOO, state: "failed" }],
    });
  });

  it("still blocks on a failure nobody accepted, and on an accept for another eval", () => {
    const failed = gate(3, [constituent(FOO, "failed"), constituent(BAR, "failed")], false);
    const other = decideAdvance(
      facts({
        candidate: null,
        newerFailure: failed,
        accepted: [{ evalId: 13, constituents: [FOO] }],
      }),
    );
    expect(describeDecision("nixos-unstable", other)).toBe(`nixos-unstable blocked: ${BAR} failed`);
    const elsewhere = decideAdvance(
      facts({
        candidate: null,
        newerFailure: failed,
        accepted: [{ evalId: 99, constituents: [FOO, BAR] }],
      }),
    );
    expect(describeDecision("nixos-unstable", elsewhere)).toContain(`${FOO} failed, ${BAR} failed`);
  });

  it("accepts a job by `job.system` too, and never lets a pending constituent through", () => {
    const withSystem = gate(
      3,
      [{ ...constituent("hello", "failed"), system: "aarch64-linux" }],
      false,
    );
    expect(
      decideAdvance(
        facts({
          newerFailure: withSystem,
          accepted: [{ evalId: 13, constituents: ["hello.aarch64-linux"] }],
          branch: {
            name: "nixos-unstable",
            head: rev("1"),
            candidateIs: "ahead",
            newerFailureIs: "ahead",
          },
        }),
      ).kind,
    ).toBe("advance");
    const pending = gate(3, [constituent(FOO, "failed"), constituent(BAR, "pending")], false);
    expect(
      decideAdvance(
        facts({
          candidate: null,
          newerFailure: pending,
          accepted: [{ evalId: 13, constituents: [FOO] }],
        }),
      ).kind,
    ).toBe("blocked");
  });
});
