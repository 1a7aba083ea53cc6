import { describe, expect, it } from "vitest";
import { useGitHubFixture } from "../../test/support/github-fixture.ts";
import { type Logger, silentLogger } from "../log.ts";
import { cachedPull, cachedPullsForCommit, OPEN_PULL_TTL_MS } from "./cached-pulls.ts";
import { type LookupWrites, queuedLookupWrites } from "./lookup-writes.ts";

const fx = useGitHubFixture();

let writes: LookupWrites | undefined;
const deps = () => {
  writes ??= queuedLookupWrites(fx.handle.db, silentLogger);
  return { db: fx.handle.db, git: fx.git, lookupWrites: writes };
};
const settled = () => deps().lookupWrites.settled();
const now = new Date("2026-04-01T00:00:00Z");
const later = (ms: number) => new Date(now.getTime() + ms);
const asked = (path: RegExp) => fx.fake.requests.filter((r) => path.test(r.path)).length;

describe("cachedPull", () => {
  it("asks GitHub once for a merged PR, and never again", async () => {
    const sha = fx.fake.model.commit("master", "Merge pull request #101");
    fx.fake.model.addPull({
      number: 101,
      title: "hello: init",
      mergeCommitSha: sha,
      baseRef: "master",
    });
    const first = await cachedPull(deps(), 101, now);
    await settled();
    expect(first).toMatchObject({
      number: 101,
      title: "hello: init",
      mergeCommitSha: sha,
      url: "https://github.com/NixOS/nixpkgs/pull/101",
    });
    expect(await cachedPull(deps(), 101, later(30 * 86_400_000))).toEqual(first);
    expect(asked(/\/pulls\/101$/)).toBe(1);
    // Its merge commit is now known to have come through it.
    expect((await cachedPullsForCommit(deps(), sha, now)).map((p) => p.number)).toEqual([101]);
    expect(asked(/\/pulls$/)).toBe(0);
  });

  it("re-reads an open PR once its cached copy is older than the TTL", async () => {
    fx.fake.model.addPull({ number: 102, title: "wip", mergeCommitSha: null, baseRef: "master" });
    expect((await cachedPull(deps(), 102, now))?.state).toBe("open");
    await settled();
    expect((await cachedPull(deps(), 102, later(OPEN_PULL_TTL_MS - 1)))?.state).toBe("open");
    expect(asked(/\/pulls\/102$/)).toBe(1);
    const merge = fx.fake.model.commit("master", "Merge pull request #102");
    fx.fake.model.addPull({ number: 102, title: "wip", mergeCommitSha: merge, baseRef: "master" });
    expect(await cachedPull(deps(), 102, later(OPEN_PULL_TTL_MS))).toMatchObject({
      state: "closed",
      mergeCommitSha: merge,
    });
    expect(asked(/\/pulls\/102$/)).toBe(2);
  });

  it("returns null for a PR GitHub does not have", async () => {
    expect(await cachedPull(deps(), 99_999, now)).toBeNull();
  });
});

describe("cachedPullsForCommit", () => {
  it("remembers that no PR carried a commit, so it asks only once", async () => {
    const sha = fx.fake.model.commit("master", "pushed straight to master");
    expect(await cachedPullsForCommit(deps(), sha, now)).toEqual([]);
    await settled();
    expect(await cachedPullsForCommit(deps(), sha, now)).toEqual([]);
    expect(asked(new RegExp(`/commits/${sha}/pulls$`))).toBe(1);
  });

  it("caches the PRs GitHub lists for a commit", async () => {
    const sha = fx.fake.model.commit("master", "Merge pull request #103");
    fx.fake.model.addPull({ number: 103, title: "a", mergeCommitSha: sha, baseRef: "master" });
    const first = await cachedPullsForCommit(deps(), sha, now);
    expect(first.map((p) => p.number)).toEqual([103]);
    await settled();
    expect(await cachedPullsForCommit(deps(), sha, now)).toEqual(first);
    expect(asked(new RegExp(`/commits/${sha}/pulls$`))).toBe(1);
  });
});

describe("queuedLookupWrites", () => {
  it("answers before its write runs, and a failed write is logged, never thrown", async () => {
    const warnings: unknown[] = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (msg, fields) => warnings.push({ msg, fields }),
    };
    const failing = queuedLookupWrites(fx.handle.db, logger);
    const sha = fx.fake.model.commit("master", "Merge pull request #104");
    fx.fake.model.addPull({ number: 104, title: "b", mergeCommitSha: sha, baseRef: "master" });
    // A PR number past PostgreSQL's integer: the database refuses it after the answer went out.
    failing.pulls([pullRowOf(2 ** 40)]);
    const answer = await cachedPull(
      { db: fx.handle.db, git: fx.git, lookupWrites: failing },
      104,
      now,
    );
    expect(answer).toMatchObject({ number: 104, title: "b" });
    await failing.settled();
    expect(warnings).toMatchObject([{ msg: "lookup write failed", fields: { what: "pulls" } }]);
    // The write queued after the failed one still ran.
    expect((await cachedPull(deps(), 104, later(1)))?.title).toBe("b");
    expect(asked(/\/pulls\/104$/)).toBe(1);
  });
});

function pullRowOf(number: number) {
  return {
    number,
    title: "",
    state: "open",
    baseRef: "master",
    mergeCommitSha: null,
    mergedAt: null,
    url: "",
    fetchedAt: now,
  };
}
