import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeBranch } from "./branch-flow.ts";
import { type FakeGitHub, startFakeGitHub } from "./fake-github.node.ts";
import { githubFaults } from "./github-faults.ts";

let fake: FakeGitHub;
const auth = { authorization: "token test-token" };
const repoUrl = () => `${fake.url}/repos/NixOS/nixpkgs`;
const get = (path: string, headers: Record<string, string> = auth) =>
  fetch(`${repoUrl()}${path}`, { headers });
const patchRef = (branch: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${repoUrl()}/git/refs/heads/${branch}`, {
    method: "PATCH",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(async () => {
  await fake.close();
});

describe("fake GitHub", () => {
  it("serves a branch, its ref and its commit in GitHub's shapes", async () => {
    const sha = fake.model.commit("master", "hello: 1.0 -> 1.1");
    const branch = await (await get("/branches/master")).json();
    expect(branch).toMatchObject({ name: "master", protected: false, commit: { sha } });
    expect(branch.commit.commit.committer.date).toBe("2026-01-01T00:00:00.000Z");
    expect(await (await get("/git/ref/heads/master")).json()).toMatchObject({
      ref: "refs/heads/master",
      object: { sha, type: "commit" },
    });
    const commit = await (await get(`/commits/${sha}`)).json();
    expect(commit).toMatchObject({ sha, commit: { message: "hello: 1.0 -> 1.1" } });
    expect(commit.parents).toHaveLength(1);
  });

  it("lists a branch's history newest first, a pushed merge with both parents", async () => {
    const m = fake.model;
    m.createBranch("staging", m.branchHead("master") ?? "");
    m.createBranch("staging-next", m.branchHead("master") ?? "");
    m.setNow(new Date("2026-01-02T00:00:00Z"));
    const rebuild = m.commit("staging", "mass rebuild");
    m.setNow(new Date("2026-01-03T00:00:00Z"));
    const before = m.branchHead("staging-next");
    mergeBranch(m, "staging", "staging-next");
    const merge = m.branchHead("staging-next");
    const res = await get("/commits?sha=staging-next&per_page=2");
    expect(res.status).toBe(200);
    const list = await res.json();
    expect(list.map((c: { sha: string }) => c.sha)).toEqual([merge, rebuild]);
    expect(list[0]).toMatchObject({
      commit: {
        message: "Merge branch 'staging' into staging-next",
        committer: { date: "2026-01-03T00:00:00.000Z" },
      },
      parents: [
        { sha: before, html_url: `https://github.com/NixOS/nixpkgs/commit/${before}` },
        { sha: rebuild, url: `${repoUrl()}/commits/${rebuild}` },
      ],
    });
    // Pushed, not through a pull request; staging-next into master stays a PR.
    expect(m.closedPulls("staging", "staging-next")).toEqual([]);
    mergeBranch(m, "staging-next", "master");
    expect(m.closedPulls("staging-next", "master")).toHaveLength(1);
    expect((await get("/commits?sha=no-such-branch")).status).toBe(404);
  });

  it("answers 404 Not Found for unknown branches, commits and repositories", async () => {
    expect((await get("/branches/nope")).status).toBe(404);
    const missing = await get(`/commits/${"0".repeat(40)}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: "Not Found" });
    expect((await fetch(`${fake.url}/repos/NixOS/nix/branches/master`)).status).toBe(404);
  });

  it("decodes branch names with slashes in either form", async () => {
    fake.model.createBranch("feature/x", fake.model.branchHead("master") ?? "");
    expect((await get("/branches/feature%2Fx")).status).toBe(200);
    expect((await get("/branches/feature/x")).status).toBe(200);
  });

  it("answers a matching If-None-Match with 304 without spending the rate limit", async () => {
    const first = await get("/branches/master");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^W\/"/);
    const remaining = first.headers.get("x-ratelimit-remaining");
    const second = await get("/branches/master", { ...auth, "if-none-match": etag });
    expect(second.status).toBe(304);
    expect(second.headers.get("x-ratelimit-remaining")).toBe(remaining);
    fake.model.commit("master", "moved");
    expect((await get("/branches/master", { ...auth, "if-none-match": etag })).status).toBe(200);
  });

  it("pages compare commits oldest first, at most 100 a page; unpaged, the newest 250", async () => {
    const base = fake.model.branchHead("master") ?? "";
    for (let i = 0; i < 260; i++) fake.model.commit("master", `bump ${i}`);
    const head = fake.model.branchHead("master") ?? "";
    const page1 = await get(`/compare/${base}...${head}?per_page=1000`);
    const body1 = await page1.json();
    expect(body1).toMatchObject({
      status: "ahead",
      ahead_by: 260,
      behind_by: 0,
      total_commits: 260,
    });
    expect(body1.commits).toHaveLength(100);
    expect(body1.commits[0].commit.message).toBe("bump 0");
    expect(page1.headers.get("link")).toMatch(/per_page=100&page=2>; rel="next"/);
    const page3 = await get(`/compare/${base}...${head}?per_page=100&page=3`);
    const body3 = await page3.json();
    expect(body3.commits.map((x: { commit: { message: string } }) => x.commit.message)).toEqual(
      Array.from({ length: 60 }, (_, i) => `bump ${200 + i}`),
    );
    expect(page3.headers.get("link")).not.toMatch(/rel="next"/);
    expect((await (await get(`/compare/${base}...${head}?page=1`)).json()).commits).toHaveLength(
      30,
    );
    const unpaged = await get(`/compare/${base}...${head}`);
    const bodyUnpaged = await unpaged.json();
    expect(bodyUnpaged.commits).toHaveLength(250);
    expect(bodyUnpaged.commits[249].sha).toBe(head);
    expect(unpaged.headers.get("link")).toBeNull();
  });

  it("refuses writes without a token, and a non-fast-forward PATCH with 422", async () => {
    const old = fake.model.branchHead("master") ?? "";
    fake.model.createBranch("nixos-test", old);
    const newer = fake.model.commit("master", "newer");
    expect((await patchRef("nixos-test", { sha: newer }, {})).status).toBe(401);
    expect((await patchRef("nixos-test", { sha: newer, force: false })).status).toBe(200);
    expect(fake.model.branchHead("nixos-test")).toBe(newer);
    const back = await patchRef("nixos-test", { sha: old, force: false });
    expect(back.status).toBe(422);
    expect(await back.json()).toMatchObject({ message: "Update is not a fast forward" });
    const unknown = await patchRef("nixos-test", { sha: "1".repeat(40) });
    expect(await unknown.json()).toMatchObject({ message: "Object does not exist" });
    expect((await patchRef("nixos-test", { sha: old, force: true })).status).toBe(200);
    const patches = fake.requests.filter((r) => r.method === "PATCH");
    expect(patches.map((r) => (r.body as { force?: boolean }).force)).toEqual([
      undefined,
      false,
      false,
      undefined,
      true,
    ]);
  });

  it("serves pull requests and the pull requests of a commit", async () => {
    const sha = fake.model.commit("master", "Merge pull request #42");
    fake.model.addPull({
      number: 42,
      title: "hello: init",
      mergeCommitSha: sha,
      baseRef: "master",
    });
    expect(await (await get("/pulls/42")).json()).toMatchObject({
      number: 42,
      merged: true,
      merge_commit_sha: sha,
      base: { ref: "master" },
    });
    const list = await (await get(`/commits/${sha}/pulls`)).json();
    expect(list.map((p: { number: number }) => p.number)).toEqual([42]);
    expect((await get("/pulls/4242")).status).toBe(404);
  });

  it("answers the next N matching requests with a fault, then normally", async () => {
    fake.faults.add({ path: /\/branches\/master$/, times: 2, ...githubFaults.badGatewayHtml });
    const first = await get("/branches/master");
    expect(first.status).toBe(502);
    expect(first.headers.get("content-type")).toMatch(/text\/html/);
    expect((await get("/branches/master")).status).toBe(502);
    expect((await get("/branches/master")).status).toBe(200);
    fake.faults.add({ path: /master/, ...githubFaults.rateLimited(new Date(Date.now() + 1000)) });
    const limited = await get("/branches/master");
    expect(limited.status).toBe(403);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
  });

  it("runs out of anonymous rate limit like GitHub", async () => {
    const small = await startFakeGitHub({ rateLimit: { anonymous: 2 } });
    try {
      const url = `${small.url}/repos/NixOS/nixpkgs/branches/master`;
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(url)).status).toBe(200);
      const over = await fetch(url);
      expect(over.status).toBe(403);
      expect(await over.json()).toMatchObject({ message: expect.stringMatching(/rate limit/) });
      expect((await fetch(url, { headers: auth })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("rejects a token other than the configured one", async () => {
    const strict = await startFakeGitHub({ token: "right" });
    try {
      const url = `${strict.url}/repos/NixOS/nixpkgs/branches/master`;
      const wrong = await fetch(url, { headers: { authorization: "Bearer wrong" } });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ message: "Bad credentials" });
      expect((await fetch(url, { headers: { authorization: "Bearer right" } })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
