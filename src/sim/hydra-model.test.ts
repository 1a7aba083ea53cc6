import { describe, expect, it } from "vitest";
import { type CreateEvalInput, HydraModel } from "./hydra-model.ts";

const REV = "0123456789abcdef0123456789abcdef01234567";

function nixosEval(overrides: Partial<CreateEvalInput> = {}): CreateEvalInput {
  return {
    project: "nixos",
    jobset: "unstable",
    revision: REV,
    aggregateJob: "tested",
    releaseName: "nixos-26.11pre100003.0123456789ab",
    constituents: [
      { job: "nixos.channel", system: "x86_64-linux" },
      { job: "nixos.tests.acme.x86_64-linux", system: "x86_64-linux" },
      { job: "nixos.tests.acme.aarch64-linux", system: "aarch64-linux" },
    ],
    otherJobs: [{ job: "nixpkgs.hello.x86_64-linux", system: "x86_64-linux" }],
    productJob: "nixos.channel",
    ...overrides,
  };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return Buffer.from(digest).toString("hex");
}

describe("HydraModel", () => {
  it("creates an eval whose builds all start unfinished, with realistic increasing ids", async () => {
    const model = new HydraModel();
    const first = await model.createEval(nixosEval());
    const second = await model.createEval(nixosEval());
    expect(first.evalId).toBeGreaterThan(1_800_000);
    expect(second.evalId).toBe(first.evalId + 1);
    expect(first.aggregateId).toBeGreaterThan(300_000_000);
    expect(Math.min(...Object.values(second.buildIds))).toBeGreaterThan(first.aggregateId);
    for (const id of Object.values(first.buildIds)) {
      expect(model.build(id)).toMatchObject({ finished: false, buildstatus: null, stoptime: null });
    }
    const aggregate = model.build(first.aggregateId);
    expect(aggregate?.isAggregate).toBe(true);
    expect(aggregate?.constituentIds).toHaveLength(3);
    expect(aggregate?.nixname).toBe("nixos-26.11pre100003.0123456789ab");
    expect(model.evaluation(first.evalId)?.buildIds).toHaveLength(5);
  });

  it("records the revision and a string-valued boolean input like jobsetevalinputs", async () => {
    const model = new HydraModel();
    const { evalId } = await model.createEval(nixosEval());
    const inputs = model.evaluation(evalId)?.inputs;
    expect(inputs?.nixpkgs).toMatchObject({ type: "git", revision: REV, value: null });
    expect(inputs?.stableBranch).toEqual({
      type: "boolean",
      uri: null,
      revision: null,
      value: "false",
      dependency: null,
    });
  });

  it("gives the product job a nixexprs product with the real sha256, listed once built", async () => {
    const model = new HydraModel();
    const bytes = new TextEncoder().encode("pretend this is xz");
    const { buildIds } = await model.createEval(nixosEval({ nixexprs: bytes }));
    const channelId = buildIds["nixos.channel"] ?? 0;
    expect(model.build(channelId)?.products["1"]).toMatchObject({
      type: "file",
      subtype: "source-dist",
      name: "nixexprs.tar.xz",
      sha256hash: await sha256Hex(bytes),
      filesize: bytes.byteLength,
      path: expect.stringMatching(
        /^\/nix\/store\/[0-9a-z]{32}-[^/]+\/tarballs\/nixexprs\.tar\.xz$/,
      ),
    });
    expect(model.product(channelId, "1")).toBeNull();
    model.finishBuild(channelId, 0);
    expect(model.product(channelId, "1")?.bytes).toEqual(bytes);
  });

  it("finishes the aggregate with 0 when every constituent succeeds", async () => {
    const model = new HydraModel();
    const { aggregateId, buildIds } = await model.createEval(nixosEval());
    model.finishBuild(buildIds["nixos.channel"] ?? 0, 0);
    model.finishBuild(buildIds["nixos.tests.acme.x86_64-linux"] ?? 0, 0);
    expect(model.build(aggregateId)?.finished).toBe(false);
    model.finishBuild(buildIds["nixos.tests.acme.aarch64-linux"] ?? 0, 0);
    expect(model.build(aggregateId)).toMatchObject({ finished: true, buildstatus: 0 });
  });

  it("finishes the aggregate with 2 (dependency failed) when a constituent fails", async () => {
    const model = new HydraModel();
    const { evalId, aggregateId } = await model.createEval(nixosEval());
    model.finishEval(evalId, { "nixos.tests.acme.aarch64-linux": 7 });
    expect(model.build(aggregateId)).toMatchObject({ finished: true, buildstatus: 2 });
    expect(model.latest("nixos", "unstable", "tested")).toBeUndefined();
    expect(model.latestBuilds(1, { job: "tested" })[0]?.id).toBe(aggregateId);
  });

  it("can fail the aggregate at the first failed constituent while the others still build", async () => {
    const model = new HydraModel();
    const { aggregateId, buildIds } = await model.createEval(nixosEval());
    model.finishBuild(buildIds["nixos.tests.acme.x86_64-linux"] ?? 0, 1, { failAggregates: true });
    expect(model.build(aggregateId)).toMatchObject({ finished: true, buildstatus: 2 });
    expect(model.build(buildIds["nixos.channel"] ?? 0)?.finished).toBe(false);
    expect(model.latestBuilds(1, { job: "tested" })[0]?.id).toBe(aggregateId);
    model.finishBuild(buildIds["nixos.channel"] ?? 0, 0);
    expect(model.build(aggregateId)).toMatchObject({ finished: true, buildstatus: 2 });
  });

  it("lets an override decide the aggregate, as when a timed-out record hides a good step", async () => {
    const model = new HydraModel();
    const { evalId, aggregateId } = await model.createEval(nixosEval());
    model.finishEval(evalId, { "nixos.tests.acme.aarch64-linux": 7, tested: 0 });
    expect(model.build(aggregateId)?.buildstatus).toBe(0);
  });

  it("latest-finished skips a passed build whose eval still has unfinished members", async () => {
    const model = new HydraModel();
    const { aggregateId, buildIds } = await model.createEval(nixosEval());
    const constituents = [
      "nixos.channel",
      "nixos.tests.acme.x86_64-linux",
      "nixos.tests.acme.aarch64-linux",
    ];
    for (const job of constituents) model.finishBuild(buildIds[job] ?? 0, 0);
    expect(model.latest("nixos", "unstable", "tested")?.id).toBe(aggregateId);
    expect(model.latestFinished("nixos", "unstable", "tested")).toBeUndefined();
    expect(model.jobsetOverview("nixos")?.[0]).toMatchObject({ nrscheduled: 1, nrtotal: 5 });
    model.finishBuild(buildIds["nixpkgs.hello.x86_64-linux"] ?? 0, 1);
    expect(model.latestFinished("nixos", "unstable", "tested")?.id).toBe(aggregateId);
    expect(model.jobsetOverview("nixos")?.[0]).toMatchObject({
      name: "unstable",
      nrscheduled: 0,
      nrsucceeded: 4,
      nrfailed: 1,
      nrtotal: 5,
    });
  });

  it("restart keeps the old buildstatus and unfinishes the aggregate", async () => {
    const model = new HydraModel();
    const { evalId, aggregateId, buildIds } = await model.createEval(nixosEval());
    model.finishEval(evalId);
    const testId = buildIds["nixos.tests.acme.x86_64-linux"] ?? 0;
    expect(model.latestFinished("nixos", "unstable", "tested")?.id).toBe(aggregateId);
    model.restartBuild(testId);
    expect(model.build(testId)).toMatchObject({ finished: false, buildstatus: 0 });
    expect(model.build(aggregateId)).toMatchObject({ finished: false, buildstatus: 0 });
    expect(model.latestFinished("nixos", "unstable", "tested")).toBeUndefined();
    model.finishBuild(testId, 1);
    expect(model.build(aggregateId)).toMatchObject({ finished: true, buildstatus: 2 });
  });

  it("an older eval finishing after a newer one does not move latest-finished back", async () => {
    const model = new HydraModel();
    const older = await model.createEval(nixosEval());
    const newer = await model.createEval(
      nixosEval({ releaseName: "nixos-26.11pre100010.abcdefabcdef" }),
    );
    model.finishEval(newer.evalId);
    expect(model.latestFinished("nixos", "unstable", "tested")?.id).toBe(newer.aggregateId);
    model.finishEval(older.evalId);
    expect(model.latestFinished("nixos", "unstable", "tested")?.id).toBe(newer.aggregateId);
    expect(model.latestEval("nixos", "unstable")?.id).toBe(newer.evalId);
    expect(model.jobsetOverview("nixos")?.[0]?.nrtotal).toBe(5);
  });

  it("lists newest finished builds, passed or failed, by id descending", async () => {
    const model = new HydraModel();
    const a = await model.createEval(nixosEval());
    const b = await model.createEval(nixosEval());
    const c = await model.createEval(nixosEval());
    model.finishEval(a.evalId);
    model.finishEval(b.evalId, { "nixos.channel": 1 });
    const ids = model.latestBuilds(5, { project: "nixos", jobset: "unstable", job: "tested" });
    expect(ids.map((x) => [x.id, x.buildstatus])).toEqual([
      [b.aggregateId, 2],
      [a.aggregateId, 0],
    ]);
    expect(model.latestBuilds(1, { job: "tested" })).toHaveLength(1);
    expect(model.evalJob(c.evalId, "nixos.channel")?.id).toBe(c.buildIds["nixos.channel"]);
    expect(model.evalJob(c.evalId, "nope")).toBeUndefined();
  });

  it("stamps times from the injected clock, which can be moved", async () => {
    const model = new HydraModel({ now: () => new Date("2026-10-01T00:00:00Z") });
    const { evalId, aggregateId } = await model.createEval(nixosEval());
    const t0 = Date.parse("2026-10-01T00:00:00Z") / 1000;
    expect(model.evaluation(evalId)?.timestamp).toBe(t0);
    model.advance(3600);
    model.finishEval(evalId);
    expect(model.build(aggregateId)).toMatchObject({ timestamp: t0, stoptime: t0 + 3600 });
    const started = model.build(aggregateId)?.starttime ?? 0;
    expect(started).toBeGreaterThanOrEqual(t0);
    expect(started).toBeLessThanOrEqual(t0 + 3600);
  });

  it("lists store paths of successful nix-build builds only, sorted", async () => {
    const model = new HydraModel();
    const { evalId, buildIds } = await model.createEval(
      nixosEval({ nixexprs: new Uint8Array([1, 2, 3]) }),
    );
    model.finishEval(evalId, { "nixos.tests.acme.aarch64-linux": 1 });
    const paths = model.storePaths(evalId);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toHaveLength(2);
    expect(paths).toContain(model.build(buildIds["nixpkgs.hello.x86_64-linux"] ?? 0)?.outPath);
  });

  it("rejects duplicate jobs and a product job outside the constituents", async () => {
    const model = new HydraModel();
    const dup = { job: "x", system: "x86_64-linux" };
    await expect(model.createEval(nixosEval({ constituents: [dup, dup] }))).rejects.toThrow();
    await expect(model.createEval(nixosEval({ productJob: "nope" }))).rejects.toThrow();
  });
});
