import { afterAll, beforeAll } from "vitest";
import type { DbHandle } from "../../src/db/client.ts";
import { createGitHubGitHost, type GitHubGitHost } from "../../src/git/github-git-host.ts";
import { type FakeGitHub, startFakeGitHub } from "../../src/sim/fake-github.node.ts";
import { createTestDb } from "./test-db.ts";

export interface GitHubFixture {
  handle: DbHandle;
  fake: FakeGitHub;
  git: GitHubGitHost;
}

/** A private database, the fake GitHub and an octokit host pointed at it, for one test file. */
export function useGitHubFixture(): GitHubFixture {
  const fixture = {} as GitHubFixture; // safe because beforeAll fills it before any test reads it
  beforeAll(async () => {
    fixture.handle = await createTestDb();
    fixture.fake = await startFakeGitHub();
    fixture.git = createGitHubGitHost({
      baseUrl: fixture.fake.url,
      repo: "NixOS/nixpkgs",
      token: "t",
      userAgent: "floodgate-test",
    });
  });
  afterAll(async () => {
    await fixture.fake.close();
    await fixture.handle.close();
  });
  return fixture;
}
