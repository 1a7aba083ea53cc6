import { describe, expect, it } from "vitest";
import type { ChannelFacts, ConstituentFact, GateBuildFact } from "../domain/facts.ts";
import { decideAdvance } from "./decide-advance.ts";
import { ALL_CONSTITUENTS_POLICY, describeDecision } from "./describe-decision.ts";

const rev = (c: string) => c.repeat(40);

function constituent(
  job: string,
  state: ConstituentFact["state"],
  buildstatus = 0,
): ConstituentFact {
  const statusText = state === "pending" ? "pending" : buildstatus === 0 ? "succeeded" : "failed";
  return {
    buildId: job.length,
    job,
    system: "x86_64-linux",
    state,
    buildstatus,
    statusText,
    url: "u",
  };
}

function gate(n: number, constituents: ConstituentFact[] = [], passed = true): GateBuildFact {
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
  const current = gate(1);
  return {
    channel: "nixos-unstable",
    frozen: null,
    current: {
      releaseName: current.releaseName,
      revision: current.revision,
      buildId: current.buildId,
    },
    candidate: gate(2, [constituent("nixos.tests.foo.x86_64-linux", "passed")]),
    newerFailure: null,
    branch: { name: "nixos-unstable", head: rev("1"), candidateIs: "ahead" },
    source: { name: "master", head: rev("9"), candidateIs: "behind" },
    previousConstituents: 1,
    ...over,
  };
}

describe("decideAdvance", () => {
  it("advances to a newer passed candidate that fast-forwards the branch", () => {
    const decision = decideAdvance(facts());
    expect(decision).toEqual({
      kind: "advance",
      release: { name: gate(2).releaseName, revision: rev("2"), evalId: 12, buildId: 102 },
      notes: [],
    });
  });

  it("blocks when a constituent failed, naming it", () => {
    const candidate = gate(2, [
      constituent("nixos.tests.foo.x86_64-linux", "failed", 1),
      constituent("nixos.tests.bar.x86_64-linux", "passed"),
    ]);
    const decision = decideAdvance(facts({ candidate }));
    expect(decision.kind).toBe("blocked");
    expect(describeDecision("nixos-unstable", decision)).toBe(
      `nixos-unstable blocked: nixos.tests.foo.x86_64-linux failed (${ALL_CONSTITUENTS_POLICY})`,
    );
  });

  it("blocks while a constituent is pending, even if the aggregate passed", () => {
    const candidate = gate(2, [constituent("a", "passed"), constituent("b", "pending")]);
    const decision = decideAdvance(facts({ candidate }));
    expect(decision).toMatchObject({
      kind: "blocked",
      reasons: [{ kind: "constituents-pending", total: 2 }],
    });
  });

  it("never goes backwards to an older candidate", () => {
    const decision = decideAdvance(facts({ candidate: gate(0) }));
    expect(decision).toMatchObject({ kind: "idle", reason: { kind: "older-candidate" } });
  });

  it("is idle when the candidate is the current release", () => {
    expect(decideAdvance(facts({ candidate: gate(1) }))).toMatchObject({
      kind: "idle",
      reason: { kind: "up-to-date" },
    });
  });

  it("blocks a candidate that is not a fast-forward of the branch", () => {
    for (const candidateIs of ["diverged", "behind"] as const) {
      const decision = decideAdvance(
        facts({ branch: { name: "nixos-unstable", head: rev("9"), candidateIs } }),
      );
      expect(decision).toMatchObject({ kind: "blocked", reasons: [{ kind: "not-fast-forward" }] });
    }
  });

  it("explains a newer failed gate even when the channel is up to date", () => {
    const newerFailure = gate(
      3,
      [constituent("nixos.tests.boot.aarch64-linux", "failed", 7)],
      false,
    );
    const decision = decideAdvance(facts({ candidate: gate(1), newerFailure }));
    expect(decision).toMatchObject({ kind: "blocked", reasons: [{ kind: "constituents-failed" }] });
  });

  it("notes a newer eval still building on an idle channel, without blocking it", () => {
    const building = {
      project: "nixos",
      jobset: "unstable",
      scheduled: 1234,
      succeeded: 100,
      failed: 2,
      total: 1336,
      lastCheckedAt: null,
    };
    const decision = decideAdvance(facts({ candidate: gate(1), newestEval: building }));
    expect(decision).toEqual({
      kind: "idle",
      reason: { kind: "up-to-date", releaseName: gate(1).releaseName },
      notes: [
        {
          kind: "eval-building",
          project: "nixos",
          jobset: "unstable",
          scheduled: 1234,
          total: 1336,
        },
      ],
    });
    expect(describeDecision("nixos-unstable", decision)).toBe(
      `nixos-unstable is up to date at ${gate(1).releaseName}`,
    );
    const finished = decideAdvance(
      facts({ candidate: gate(1), newestEval: { ...building, scheduled: 0 } }),
    );
    expect(finished).toMatchObject({ kind: "idle", notes: [] });
    const failed = gate(3, [constituent("nixos.tests.boot.aarch64-linux", "failed", 7)], false);
    expect(
      decideAdvance(facts({ candidate: gate(1), newerFailure: failed, newestEval: building })),
    ).toMatchObject({ kind: "blocked", reasons: [{ kind: "constituents-failed" }] });
  });

  it("blocks a frozen channel before looking at anything else", () => {
    const decision = decideAdvance(facts({ frozen: { reason: "release in progress" } }));
    expect(decision).toEqual({
      kind: "blocked",
      reasons: [{ kind: "frozen", reason: "release in progress" }],
      notes: [],
    });
  });

  it("advances a channel with no release yet when the branch is identical", () => {
    const decision = decideAdvance(
      facts({
        current: null,
        branch: { name: "nixos-unstable", head: rev("2"), candidateIs: "identical" },
      }),
    );
    expect(decision.kind).toBe("advance");
  });

  it("refuses a candidate that is not contained in the source branch, naming both", () => {
    for (const candidateIs of ["ahead", "diverged", null] as const) {
      const decision = decideAdvance(
        facts({ source: { name: "master", head: rev("9"), candidateIs } }),
      );
      expect(decision).toEqual({
        kind: "blocked",
        reasons: [
          {
            kind: "not-on-source-branch",
            sourceBranch: "master",
            sourceHead: rev("9"),
            revision: rev("2"),
            relation: candidateIs ?? "unknown",
          },
        ],
        notes: [],
      });
      expect(describeDecision("nixos-unstable", decision)).toContain(
        `${rev("2").slice(0, 12)} is not on master`,
      );
    }
    for (const candidateIs of ["behind", "identical"] as const) {
      const source = { name: "master", head: rev("9"), candidateIs };
      expect(decideAdvance(facts({ source })).kind).toBe("advance");
    }
  });

  it.each([
    [0, null, true],
    [0, 40, true],
    [19, 40, true],
    [20, 40, false],
    [3, null, false],
  ])("with %i constituents after %s the gate is suspicious: %s", (n, previous, suspicious) => {
    const jobs = Array.from({ length: n }, (_, i) => constituent(`job${i}`, "passed"));
    const decision = decideAdvance(
      facts({ candidate: gate(2, jobs), previousConstituents: previous }),
    );
    if (!suspicious) return expect(decision.kind).toBe("advance");
    expect(decision).toMatchObject({
      kind: "blocked",
      reasons: [{ kind: "suspicious-gate", constituents: n, previous, buildId: 102 }],
    });
  });

  it("says it is floodgate's policy when Hydra's aggregate passed but a constituent failed", () => {
    const failed = constituent("nixos.tests.foo.x86_64-linux", "failed", 1);
    const passedGate = decideAdvance(facts({ candidate: gate(2, [failed], true) }));
    expect(passedGate).toMatchObject({
      reasons: [{ kind: "constituents-failed", policy: "all-constituents" }],
    });
    expect(describeDecision("nixos-unstable", passedGate)).toContain("floodgate's policy");
    const failedGate = decideAdvance(
      facts({ candidate: gate(1), newerFailure: gate(3, [failed], false) }),
    );
    expect(failedGate).toMatchObject({ reasons: [{ kind: "constituents-failed" }] });
    expect(failedGate.kind === "blocked" && failedGate.reasons[0]).not.toHaveProperty("policy");
  });

  it("carries page-only failures as notes and still advances", () => {
    const note = {
      kind: "page-work-failed" as const,
      work: "source-branch" as const,
      code: "GITHUB_HTTP_5XX",
      message: "branch head: Server Error",
    };
    expect(decideAdvance(facts({ notes: [note] }))).toMatchObject({
      kind: "advance",
      notes: [note],
    });
  });
});
