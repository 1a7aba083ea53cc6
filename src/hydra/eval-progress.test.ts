import { describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { evalProgress, jobsetOverview, OVERVIEW_MAX_AGE_MS } from "./eval-progress.ts";
import type { HydraApi } from "./hydra-api.ts";
import type { HydraJobsetOverview } from "./schemas.ts";

const unused = () => {
  throw new Error("not used by this test");
};

function stubHydra(answer: () => Promise<HydraJobsetOverview[]>) {
  const asked: string[] = [];
  const hydra: HydraApi = {
    latestFinished: unused,
    latestBuilds: unused,
    build: unused,
    constituents: unused,
    evaluation: unused,
    evalJobBuildId: unused,
    storePaths: unused,
    jobsets: (project) => {
      asked.push(project);
      return answer();
    },
    download: unused,
    buildUrl: (id) => `https://hydra.example/build/${id}`,
    evalUrl: (id) => `https://hydra.example/eval/${id}`,
  };
  return { hydra, asked };
}

const row = (name: string, nrscheduled: number): HydraJobsetOverview => ({
  project: "nixos",
  name,
  nrscheduled,
  nrsucceeded: 10,
  nrfailed: 1,
  nrtotal: 11 + nrscheduled,
  lastcheckedtime: 1_766_000_000,
});
const at = (minutes: number) => new Date(Date.UTC(2026, 8, 1) + minutes * 60_000);
const job = { project: "nixos", jobset: "unstable", job: "tested" };

describe("jobsetOverview", () => {
  it("asks Hydra at most once per period and project, per client", async () => {
    const { hydra, asked } = stubHydra(async () => [row("unstable", 3)]);
    await jobsetOverview(hydra, "nixos", at(0));
    await jobsetOverview(hydra, "nixos", at(14));
    await jobsetOverview(hydra, "nixpkgs", at(14));
    expect(asked).toEqual(["nixos", "nixpkgs"]);
    await jobsetOverview(hydra, "nixos", at(OVERVIEW_MAX_AGE_MS / 60_000));
    expect(asked).toEqual(["nixos", "nixpkgs", "nixos"]);
    const other = stubHydra(async () => []);
    await jobsetOverview(other.hydra, "nixos", at(16));
    expect(other.asked).toEqual(["nixos"]);
  });

  it("asks again when the clock went backwards", async () => {
    const { hydra, asked } = stubHydra(async () => []);
    await jobsetOverview(hydra, "nixos", at(30));
    await jobsetOverview(hydra, "nixos", at(29));
    expect(asked).toHaveLength(2);
  });
});

describe("evalProgress", () => {
  it("gives the counts of the job's jobset", async () => {
    const { hydra } = stubHydra(async () => [row("staging", 0), row("unstable", 4123)]);
    expect(await evalProgress({ hydra, logger: silentLogger }, job, at(0))).toEqual({
      project: "nixos",
      jobset: "unstable",
      scheduled: 4123,
      succeeded: 10,
      failed: 1,
      total: 4134,
      lastCheckedAt: new Date(1_766_000_000 * 1000),
    });
  });

  it("gives null for an unknown jobset, and for a failing Hydra, remembering the failure", async () => {
    const missing = stubHydra(async () => [row("staging", 1)]);
    expect(await evalProgress({ hydra: missing.hydra, logger: silentLogger }, job, at(0))).toBe(
      null,
    );
    const failing = stubHydra(async () => {
      throw new UpstreamError("HYDRA_HTTP_5XX", "Hydra: HTTP 502", { retryable: true });
    });
    const deps = { hydra: failing.hydra, logger: silentLogger };
    expect(await evalProgress(deps, job, at(0))).toBe(null);
    expect(await evalProgress(deps, job, at(5))).toBe(null);
    expect(failing.asked).toHaveLength(1);
  });
});
