import { afterEach, describe, expect, it } from "vitest";
import { type ChaosKind, createChaos } from "../sim/chaos.ts";
import { type FakeGitHub, startFakeGitHub } from "../sim/fake-github.node.ts";
import { createGitHubGitHost } from "./github-git-host.ts";

describe("the ETag cache never keeps a body that was not JSON", () => {
  let fake: FakeGitHub | undefined;
  afterEach(() => fake?.close());

  for (const kind of ["truncated", "malformed-json"] satisfies ChaosKind[]) {
    it(`reads the branch again after one ${kind} answer`, async () => {
      const chaos = createChaos({ rate: 1, kinds: [kind] });
      fake = await startFakeGitHub({ chaos, token: "t" });
      const sha = fake.model.commit("master", "initial");
      const git = createGitHubGitHost({
        baseUrl: fake.url,
        repo: fake.model.repo,
        token: "t",
        userAgent: "floodgate-test",
        retry: { attempts: 1, baseMs: 0 },
      });
      await expect(git.branchHead("master")).rejects.toThrow(/branch head/);
      expect(chaos.counts[kind]).toBe(1);
      chaos.enabled = false;
      expect(await git.branchHead("master")).toMatchObject({ branch: "master", sha });
      expect(await git.branchHead("master")).toMatchObject({ branch: "master", sha });
      expect(fake.requests.at(-1)?.status).toBe(304);
    });
  }
});
