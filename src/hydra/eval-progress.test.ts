import { describe, expect, it } from "vitest";
import { createMemoryUpstreamCache, type UpstreamCache } from "../db/upstream-cache.ts";
import { UpstreamError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { evalProgress, jobsetOverview, OVERVIEW_MAX_AGE_MS } from "./eval-progress.ts";
import type { HydraApi } from "./hydra-api.ts";
import type { HydraJobsetOverview } from "./schemas.ts";

const unused = () => {
  throw new Error("not used by this test");
};

function stubHydra(
  answer: () => Promise<HydraJobsetOverview[]>,
  upstreamCache: UpstreamCache = createMemoryUpstreamCache(),
) {
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
  return { hydra, asked, deps: { hydra, upstreamCache, logger: silentLogger } };
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
  it("asks Hydra at most once per period and project, per store", async () => {
    const { deps, asked } = stubHydra(async () => [row("unstable", 3)]);
    await jobsetOverview(deps, "nixos", at(0));
    await jobsetOverview(deps, "nixos", at(14));
    await jobsetOverview(deps, "nixpkgs", at(14));
    expect(asked).toEqual(["nixos", "nixpkgs"]);
    await jobsetOverview(deps, "nixos", at(OVERVIEW_MAX_AGE_MS / 60_000));
    expect(asked).toEqual(["nixos", "nixpkgs", "nixos"]);
    const other = stubHydra(async () => []);
    await jobsetOverview(other.deps, "nixos", at(16));
    expect(other.asked).toEqual(["nixos"]);
  });

  it("answers a second client (another process) from the store", async () => {
    const first = stubHydra(async () => [row("unstable", 3)]);
    expect(await jobsetOverview(first.deps, "nixos", at(0))).toEqual([row("unstable", 3)]);
    const second = stubHydra(async () => [], first.deps.upstreamCache);
    expect(await jobsetOverview(second.deps, "nixos", at(5))).toEqual([row("unstable", 3)]);
    expect(second.asked).toEqual([]);
    await jobsetOverview(second.deps, "nixos", at(5), OVERVIEW_MAX_AGE_MS, true);
    expect(second.asked).toEqual(["nixos"]);
  });

  it("asks again when the clock went backwards", async () => {
    const { deps, asked } = stubHydra(async () => []);
    await jobsetOverview(deps, "nixos", at(30));
    await jobsetOverview(deps, "nixos", at(29));
    expect(asked).toHaveLength(2);
  });
});

describe("evalProgress", () => {
  it("gives the counts of the job's jobset", async () => {
    const { deps } = stubHydra(async () => [row("staging", 0), row("unstable", 4123)]);
    expect(await evalProgress(deps, job, at(0))).toEqual({
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
    expect(await evalProgress(missing.deps, job, at(0))).toBe(null);
    const failing = stubHydra(async () => {
      throw new UpstreamError("HYDRA_HTTP_5XX", "Hydra: HTTP 502", { retryable: true });
    });
    const deps = failing.deps;
    expect(await evalProgress(deps, job, at(0))).toBe(null);
    expect(await evalProgress(deps, job, at(5))).toBe(null);
    expect(failing.asked).toHaveLength(1);
  });
});
