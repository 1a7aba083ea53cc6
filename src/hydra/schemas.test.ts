import { describe, expect, it } from "vitest";
import { z } from "zod";
import apiJobsets from "../../test/fixtures/hydra/api-jobsets.synthetic.json" with { type: "json" };
import manualBuild from "../../test/fixtures/hydra/build-24670686.hydra-manual.json" with {
  type: "json",
};
import constituents from "../../test/fixtures/hydra/constituents.synthetic.json" with {
  type: "json",
};
import cliEval from "../../test/fixtures/hydra/eval-1525352.hydra-cli.json" with { type: "json" };
import evalBuilds from "../../test/fixtures/hydra/eval-1798870-builds.excerpt.infra-270.json" with {
  type: "json",
};
import manualEvals from "../../test/fixtures/hydra/jobset-hydra-build-ng-evals.hydra-manual.json" with {
  type: "json",
};
import latestBuilds from "../../test/fixtures/hydra/latestbuilds.synthetic.json" with {
  type: "json",
};
import searchAfew from "../../test/fixtures/hydra/search-afew.hydra-cli.json" with { type: "json" };
import {
  HydraBuild,
  HydraEval,
  HydraEvalInput,
  HydraEvalPage,
  HydraJobsetOverview,
  HydraLatestBuild,
} from "./schemas.ts";

const issuePaths = (result: { success: boolean; error?: z.ZodError }) =>
  result.error?.issues.map((i) => i.path.join(".")) ?? [];

const baseBuild = {
  id: 271234567,
  finished: 1,
  timestamp: 1766000000,
  starttime: 1766003000,
  stoptime: 1766003600,
  project: "nixos",
  jobset: "unstable",
  job: "tested",
  nixname: "nixos-26.11pre912345.0123456789ab",
  system: "x86_64-linux",
  priority: 100,
  buildstatus: 0,
  releasename: null,
  drvpath: "/nix/store/x-nixos.drv",
  jobsetevals: [1830001],
  buildoutputs: { out: { path: "/nix/store/x-nixos" } },
  buildproducts: {},
  buildmetrics: {},
};

describe("recorded and synthetic fixtures", () => {
  it("parses the 2015 manual build with buildmetrics null and no drvpath", () => {
    const build = HydraBuild.parse(manualBuild);
    expect(build).toMatchObject({ id: 24670686, finished: true, buildstatus: 0 });
    expect(build.drvpath).toBeUndefined();
    expect(build.buildproducts["1"]).toMatchObject({ type: "report", defaultpath: "log.html" });
  });

  it("parses the manual's evals page with string-valued boolean inputs", () => {
    const page = HydraEvalPage.parse(manualEvals);
    expect(page.first).toBe("?page=1");
    expect(page.evals[0]?.hasnewbuilds).toBe(true);
    expect(page.evals[0]?.jobsetevalinputs.officialRelease?.value).toBe("false");
    expect(page.evals[0]?.timestamp).toBeNull();
  });

  it("parses the hydra-cli eval recording with a 40-hex nixpkgs revision", () => {
    const evaluation = HydraEval.parse(cliEval);
    expect(evaluation.id).toBe(1525352);
    expect(evaluation.builds).toHaveLength(23);
    expect(evaluation.jobsetevalinputs.nixpkgs?.revision).toBe(
      "a7e559a5504572008567383c3dc8e142fa7a8633",
    );
  });

  it("parses every build of the hydra-cli search recording", () => {
    const search = z.looseObject({ builds: z.array(HydraBuild) });
    const { builds } = search.parse(searchAfew);
    expect(builds.length).toBeGreaterThan(0);
    expect(builds[0]).toMatchObject({ buildstatus: 2, finished: true });
    expect(builds[0]?.jobsetevals).toHaveLength(30);
  });

  it("parses the infra#270 /eval/<id>/builds excerpt", () => {
    const builds = z.array(HydraBuild).parse(evalBuilds);
    expect(builds.map((b) => b.buildstatus)).toEqual([0, 0, 2]);
    expect(builds[0]?.buildproducts["1"]).toMatchObject({ sha256hash: null, filesize: null });
  });

  it("parses the synthetic constituents, keeping a restarted build's stale status", () => {
    const builds = z.array(HydraBuild).parse(constituents);
    expect(builds.map((b) => [b.finished, b.buildstatus])).toEqual([
      [true, 0],
      [false, null],
      [false, 1],
      [true, 7],
    ]);
    expect(builds[3]?.buildoutputs.out?.path).toBeNull();
  });

  it("parses the synthetic latestbuilds and jobsets answers", () => {
    const latest = z.array(HydraLatestBuild).parse(latestBuilds);
    expect(latest.map((b) => b.id)).toEqual([271234567, 271100042]);
    const jobsets = z.array(HydraJobsetOverview).parse(apiJobsets);
    expect(jobsets[0]?.nrscheduled).toBe(4123);
  });
});

describe("lenient where Hydra is", () => {
  it("accepts numeric strings, boolean flags, unknown keys and missing newer fields", () => {
    const { drvpath: _drvpath, buildoutputs: _outputs, ...old } = baseBuild;
    const build = HydraBuild.parse({
      ...old,
      id: "271234567",
      finished: true,
      buildstatus: "0",
      stoptime: "1766003600",
      somethingNew: { nested: 1 },
    });
    expect(build).toMatchObject({
      id: 271234567,
      finished: true,
      buildstatus: 0,
      stoptime: 1766003600,
    });
    expect(build.buildoutputs).toEqual({});
  });

  it("turns null maps into empty ones and a missing jobsetevals into []", () => {
    const { jobsetevals: _evals, ...rest } = baseBuild;
    const build = HydraBuild.parse({ ...rest, buildproducts: null, buildoutputs: null });
    expect(build.jobsetevals).toEqual([]);
    expect(build.buildproducts).toEqual({});
  });

  it("accepts an eval with no new builds and no inputs, and non-git revisions", () => {
    const evaluation = HydraEval.parse({
      id: 5,
      hasnewbuilds: 0,
      builds: [],
      jobsetevalinputs: {},
    });
    expect(evaluation.hasnewbuilds).toBe(false);
    const svn = HydraEvalInput.parse({
      type: "svn",
      uri: "svn://x",
      revision: "1234",
      value: null,
    });
    expect(svn.revision).toBe("1234");
  });

  it("lower-cases an upper-case git revision", () => {
    const input = HydraEvalInput.parse({
      type: "git",
      revision: "A7E559A5504572008567383C3DC8E142FA7A8633",
    });
    expect(input.revision).toBe("a7e559a5504572008567383c3dc8e142fa7a8633");
  });
});

describe("strict where it matters", () => {
  it("rejects a finished flag that is not 0/1", () => {
    for (const finished of ["yes", 2, null, "true"]) {
      const result = HydraBuild.safeParse({ ...baseBuild, finished });
      expect(issuePaths(result)).toEqual(["finished"]);
    }
  });

  it("rejects ids that are not positive integers", () => {
    for (const id of [0, -1, 1.5, "abc", "01", null]) {
      expect(issuePaths(HydraBuild.safeParse({ ...baseBuild, id }))).toEqual(["id"]);
    }
    expect(issuePaths(HydraEval.safeParse({ id: 1, hasnewbuilds: 1, builds: [1, "x"] }))).toEqual([
      "builds.1",
    ]);
  });

  it("rejects a buildstatus that is not a non-negative integer", () => {
    for (const buildstatus of ["failed", -1, 0.5, true]) {
      expect(issuePaths(HydraBuild.safeParse({ ...baseBuild, buildstatus }))).toEqual([
        "buildstatus",
      ]);
    }
  });

  it("rejects a finished build without a status, but not an unfinished one", () => {
    expect(issuePaths(HydraBuild.safeParse({ ...baseBuild, buildstatus: null }))).toEqual([
      "buildstatus",
    ]);
    expect(HydraBuild.safeParse({ ...baseBuild, finished: 0, buildstatus: null }).success).toBe(
      true,
    );
  });

  it("rejects a git revision that is not 40 hex characters", () => {
    for (const revision of ["abc123", "z".repeat(40), `${"a".repeat(40)}0`]) {
      const result = HydraEvalInput.safeParse({ type: "git", revision });
      expect(issuePaths(result)).toEqual(["revision"]);
    }
  });

  it("rejects a product hash that is not hex sha256", () => {
    const product = { type: "file", name: "nixexprs.tar.xz", sha256hash: "0v6bxyz" };
    const result = HydraBuild.safeParse({ ...baseBuild, buildproducts: { "1": product } });
    expect(issuePaths(result)).toEqual(["buildproducts.1.sha256hash"]);
  });
});
