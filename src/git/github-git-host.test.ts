import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { jsonLogger } from "../log.ts";
import {
  type FakeGitHub,
  type FakeGitHubOptions,
  startFakeGitHub,
} from "../sim/fake-github.node.ts";
import { githubFaults } from "../sim/github-faults.ts";
import { createGitHubGitHost, type GitHubGitHostOptions } from "./github-git-host.ts";

const fakes: FakeGitHub[] = [];

afterEach(async () => {
  for (const fake of fakes.splice(0)) {
    await fake.close();
    // Whatever a test did, no PATCH floodgate sent may ever force.
    for (const r of fake.requests.filter((req) => req.method === "PATCH")) {
      expect(r.body).toMatchObject({ force: false });
    }
  }
});

async function setup(
  opts: { fake?: FakeGitHubOptions; host?: Partial<GitHubGitHostOptions> } = {},
) {
  const fake = await startFakeGitHub(opts.fake);
  fakes.push(fake);
  const logs: { msg: string; [k: string]: unknown }[] = [];
  const host = createGitHubGitHost({
    baseUrl: fake.url,
    repo: "NixOS/nixpkgs",
    token: "test-token",
    userAgent: "floodgate-test",
    logger: jsonLogger((line) => logs.push(JSON.parse(line)), {}, "debug"),
    retry: { attempts: 3, baseMs: 1 },
    ...opts.host,
  });
  const model = fake.model;
  const base = model.commit("master", "base");
  model.createBranch("nixos-unstable", base);
  const patches = () => fake.requests.filter((r) => r.method === "PATCH");
  return { fake, host, model, base, logs, patches };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return { code: err.code, retryable: err.retryable };
}

describe("createGitHubGitHost reads", () => {
  it("reads a branch head with its commit time, and null for a missing branch", async () => {
    const { host, model } = await setup();
    const sha = model.commit("master", "next", new Date("2026-02-03T04:05:06Z"));
    expect(await host.branchHead("master")).toEqual({
      branch: "master",
      sha,
      committedAt: new Date("2026-02-03T04:05:06Z"),
    });
    expect(await host.branchHead("no-such-branch")).toBeNull();
  });

  it("reads a commit, and reports an unknown one as GITHUB_NOT_FOUND", async () => {
    const { host, base } = await setup();
    expect((await host.commit(base)).sha).toBe(base);
    expect(await codeOf(host.commit("f".repeat(40)))).toEqual({
      code: "GITHUB_NOT_FOUND",
      retryable: false,
    });
  });

  it("reports ahead, behind, identical and diverged comparisons", async () => {
    const { host, model, base } = await setup();
    const a1 = model.commit("master", "a1");
    const a2 = model.commit("master", "a2");
    const ahead = await host.compare(base, a2);
    expect(ahead).toMatchObject({ status: "ahead", aheadBy: 2, behindBy: 0 });
    expect(ahead.commits.map((c) => c.sha)).toEqual([a1, a2]);
    expect(await host.compare(a2, base)).toMatchObject({ status: "behind", behindBy: 2 });
    expect(await host.compare(a2, a2)).toMatchObject({ status: "identical", commits: [] });
    const side = model.commit("nixos-unstable", "side");
    expect(await host.compare(a2, side)).toMatchObject({
      status: "diverged",
      aheadBy: 1,
      behindBy: 2,
    });
  });

  it("lists every commit of a 300-commit compare across pages, oldest first", async () => {
    const { fake, host, model, base } = await setup();
    const shas = Array.from({ length: 300 }, (_, i) => model.commit("master", `bump ${i}`));
    const cmp = await host.compare(base, shas[299] ?? "");
    expect(cmp.aheadBy).toBe(300);
    expect(cmp.commits.map((c) => c.sha)).toEqual(shas);
    const again = await host.compare(base, shas[299] ?? "");
    expect(again).toEqual(cmp);
    const compares = fake.requests.filter((r) => r.path.includes("/compare/"));
    expect(compares.map((r) => r.status)).toEqual([200, 200, 200, 304, 304, 304]);
    expect(compares.map((r) => new URL(r.path, fake.url).searchParams.get("per_page"))).toEqual(
      Array(6).fill("100"),
    );
  });

  it("lists only as many commits as asked: none for a status check, 150 in two pages", async () => {
    const { fake, host, model, base } = await setup();
    const shas = Array.from({ length: 260 }, (_, i) => model.commit("master", `bump ${i}`));
    const head = shas[259] ?? "";
    const query = () => fake.requests.splice(0).map((r) => new URL(r.path, fake.url).search);
    fake.requests.splice(0);
    expect(await host.compare(base, head, { maxCommits: 0 })).toMatchObject({
      status: "ahead",
      aheadBy: 260,
      commits: [],
    });
    expect(query()).toEqual(["?per_page=1&page=1"]);
    const some = await host.compare(base, head, { maxCommits: 150 });
    expect(some.commits.map((c) => c.sha)).toEqual(shas.slice(0, 150));
    expect(query()).toEqual(["?per_page=100&page=1", "?per_page=100&page=2"]);
  });

  it("answers a repeated read with a 304 from GitHub and the same data, at no rate-limit cost", async () => {
    const { fake, host } = await setup();
    const first = await host.branchHead("master");
    const remaining = host.rateLimit()?.remaining;
    const second = await host.branchHead("master");
    expect(second).toEqual(first);
    const reads = fake.requests.filter((r) => r.path.endsWith("/branches/master"));
    expect(reads.map((r) => r.status)).toEqual([200, 304]);
    expect(reads[1]?.headers["if-none-match"]).toMatch(/^W\/"/);
    expect(host.rateLimit()?.remaining).toBe(remaining);
  });

  it("looks up pull requests by number and by merge commit", async () => {
    const { host, model } = await setup();
    const sha = model.commit("master", "Merge pull request #7");
    model.addPull({ number: 7, title: "hello: init", mergeCommitSha: sha, baseRef: "master" });
    expect(await host.pull(7)).toMatchObject({ number: 7, mergeCommitSha: sha, state: "closed" });
    expect(await host.pull(8)).toBeNull();
    expect((await host.pullsForCommit(sha)).map((p) => p.number)).toEqual([7]);
  });

  it("lists a branch's merges into another: closed PRs with that head and base, merged ones only", async () => {
    const { fake, host, model } = await setup();
    const merge = (number: number, headRef: string, merged: boolean) => {
      const sha = merged ? model.commit("master", `Merge pull request #${number}`) : null;
      const mergedAt = merged ? new Date(`2026-05-0${number}T00:00:00Z`) : null;
      const pr = {
        number,
        title: headRef,
        mergeCommitSha: sha,
        mergedAt,
        state: "closed" as const,
      };
      model.addPull({ ...pr, baseRef: "master", headRef });
    };
    merge(1, "staging-next", true);
    merge(2, "staging-next", false);
    merge(3, "haskell-updates", true);
    merge(4, "staging-next", true);
    expect(await host.branchMerges("staging-next", "master")).toEqual([
      { number: 4, mergedAt: new Date("2026-05-04T00:00:00Z") },
      { number: 1, mergedAt: new Date("2026-05-01T00:00:00Z") },
    ]);
    const list = fake.requests.find((r) => r.path.includes("/pulls?"));
    expect(list?.path).toMatch(/head=NixOS%3Astaging-next/);
    expect(list?.path).toMatch(/base=master/);
    expect(list?.path).toMatch(/state=closed/);
  });

  it("lists a branch's newest commits in one request, with messages, parents and committer dates", async () => {
    const { fake, host, model } = await setup();
    model.createBranch("staging", model.branchHead("master") ?? "");
    model.createBranch("staging-next", model.branchHead("master") ?? "");
    model.setNow(new Date("2026-05-01T00:00:00Z"));
    const rebuild = model.commit("staging", "mass rebuild");
    model.setNow(new Date("2026-05-02T00:00:00Z"));
    const merge = model.merge("staging-next", rebuild, "Merge branch 'staging' into staging-next");
    const commits = await host.branchCommits("staging-next");
    expect(commits.slice(0, 2)).toEqual([
      {
        sha: merge,
        committedAt: new Date("2026-05-02T00:00:00Z"),
        message: "Merge branch 'staging' into staging-next",
        parentCount: 2,
      },
      {
        sha: rebuild,
        committedAt: new Date("2026-05-01T00:00:00Z"),
        message: "mass rebuild",
        parentCount: 1,
      },
    ]);
    const listed = fake.requests.filter((r) => r.path.includes("/commits?"));
    expect(listed.map((r) => r.path)).toEqual([
      expect.stringMatching(/^\/repos\/NixOS\/nixpkgs\/commits\?.*sha=staging-next/),
    ]);
    expect(listed[0]?.path).toMatch(/per_page=100/);
  });
});

describe("createGitHubGitHost fastForward", () => {
  it("moves the branch with a PATCH that never forces", async () => {
    const { host, model, patches, logs } = await setup();
    const target = model.commit("master", "tested");
    expect(await host.fastForward("nixos-unstable", target)).toEqual({
      kind: "updated",
      sha: target,
    });
    expect(model.branchHead("nixos-unstable")).toBe(target);
    expect(patches().map((r) => r.body)).toEqual([{ sha: target, force: false }]);
    expect(logs.some((l) => l.msg === "branch fast-forwarded")).toBe(true);
  });

  it("refuses a diverged revision without sending a PATCH", async () => {
    const { host, model, patches } = await setup();
    const target = model.commit("master", "tested");
    const hotfix = model.commit("nixos-unstable", "hotfix");
    const result = await host.fastForward("nixos-unstable", target);
    expect(result).toMatchObject({ kind: "not-fast-forward", message: /diverged/ });
    expect(patches()).toEqual([]);
    expect(model.branchHead("nixos-unstable")).toBe(hotfix);
  });

  it("refuses to move a branch backwards without sending a PATCH", async () => {
    const { host, model, base, patches } = await setup();
    model.setBranch("nixos-unstable", model.commit("master", "newer"));
    const result = await host.fastForward("nixos-unstable", base);
    expect(result).toMatchObject({ kind: "not-fast-forward", message: /behind/ });
    expect(patches()).toEqual([]);
  });

  it("treats a branch already at the revision as updated, without a PATCH", async () => {
    const { host, base, patches } = await setup();
    expect(await host.fastForward("nixos-unstable", base)).toEqual({ kind: "updated", sha: base });
    expect(patches()).toEqual([]);
  });

  it("reports GitHub's 422 when the branch moved between compare and PATCH", async () => {
    const { fake, host, model, base } = await setup();
    const target = model.commit("master", "tested");
    model.createBranch("elsewhere", base);
    const hotfix = model.commit("elsewhere", "pushed by someone else");
    fake.faults.add({
      path: /\/git\/refs\//,
      method: "PATCH",
      onMatch: () => model.setBranch("nixos-unstable", hotfix),
    });
    const result = await host.fastForward("nixos-unstable", target);
    expect(result).toEqual({ kind: "not-fast-forward", message: "Update is not a fast forward" });
    expect(model.branchHead("nixos-unstable")).toBe(hotfix);
    expect(fake.requests.filter((r) => r.method === "PATCH").map((r) => r.status)).toEqual([422]);
  });

  it("throws GITHUB_NOT_FOUND for a branch that does not exist", async () => {
    const { host, base } = await setup();
    expect((await codeOf(host.fastForward("nixos-99.99", base))).code).toBe("GITHUB_NOT_FOUND");
  });
});

describe("createGitHubGitHost failures", () => {
  it("waits out a 403 rate limit that resets in about a second, then reads", async () => {
    const { fake, host, logs } = await setup();
    fake.faults.add({
      path: /\/branches\/master$/,
      ...githubFaults.rateLimited(new Date(Date.now() + 1000)),
    });
    const started = Date.now();
    expect(await host.branchHead("master")).not.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(logs.find((l) => l.msg === "github rate limited")).toMatchObject({
      kind: "primary",
      willRetry: true,
    });
  });

  it("waits out a secondary rate limit for its Retry-After", async () => {
    const { fake, host } = await setup();
    fake.faults.add({ path: /\/branches\//, ...githubFaults.secondaryRateLimited(1) });
    expect(await host.branchHead("master")).not.toBeNull();
    expect(fake.requests.map((r) => r.status)).toEqual([403, 200]);
  });

  it("gives up at once on a rate limit that resets too late: GITHUB_RATE_LIMITED, retryable", async () => {
    const { fake, host } = await setup({ host: { rateLimit: { maxWaitMs: 5_000 } } });
    fake.faults.add({
      path: /\/branches\//,
      times: 5,
      ...githubFaults.rateLimited(new Date(Date.now() + 3_600_000)),
    });
    expect(await codeOf(host.branchHead("master"))).toEqual({
      code: "GITHUB_RATE_LIMITED",
      retryable: true,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it("retries 5xx answers and then reads", async () => {
    const { fake, host, logs } = await setup();
    fake.faults.add({ path: /\/branches\//, times: 2, ...githubFaults.serverError });
    expect(await host.branchHead("master")).not.toBeNull();
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(logs.filter((l) => l.msg === "github request failed")).toHaveLength(2);
  });

  it("reports a lasting 502 HTML page as GITHUB_HTTP_5XX, retryable", async () => {
    const { fake, host } = await setup();
    fake.faults.add({ path: /\/compare\//, times: 10, ...githubFaults.badGatewayHtml });
    const base = fake.model.branchHead("master") ?? "";
    expect(await codeOf(host.compare(base, base))).toEqual({
      code: "GITHUB_HTTP_5XX",
      retryable: true,
    });
    expect(fake.requests).toHaveLength(3);
  });

  it("reports a rejected token as GITHUB_AUTH", async () => {
    const { host } = await setup({ fake: { token: "right" }, host: { token: "wrong" } });
    expect(await codeOf(host.branchHead("master"))).toEqual({
      code: "GITHUB_AUTH",
      retryable: false,
    });
  });

  it("times out a slow answer as GITHUB_UNREACHABLE, retryable", async () => {
    const { fake, host } = await setup({
      host: { timeoutMs: 100, retry: { attempts: 1, baseMs: 1 } },
    });
    fake.faults.add({ path: /\/branches\//, delayMs: 400 });
    expect(await codeOf(host.branchHead("master"))).toEqual({
      code: "GITHUB_UNREACHABLE",
      retryable: true,
    });
  });

  it("refuses a repo that is not owner/name", () => {
    expect(() =>
      createGitHubGitHost({ baseUrl: "http://127.0.0.1:1", repo: "nixpkgs", userAgent: "x" }),
    ).toThrow(/owner\/name/);
  });
});
