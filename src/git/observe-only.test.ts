import { afterEach, describe, expect, it } from "vitest";
import { jsonLogger } from "../log.ts";
import { type FakeGitHub, startFakeGitHub } from "../sim/fake-github.node.ts";
import { createGitHubGitHost } from "./github-git-host.ts";
import { observeOnly } from "./observe-only.ts";

const fakes: FakeGitHub[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function setup() {
  const fake = await startFakeGitHub();
  fakes.push(fake);
  const logs: { msg: string; [k: string]: unknown }[] = [];
  const logger = jsonLogger((line) => logs.push(JSON.parse(line)));
  // No token: what the service runs with when GITHUB_TOKEN is unset.
  const github = createGitHubGitHost({
    baseUrl: fake.url,
    repo: "NixOS/nixpkgs",
    userAgent: "floodgate-test",
    logger,
  });
  const host = observeOnly(github, logger);
  const base = fake.model.commit("master", "base");
  fake.model.createBranch("nixos-unstable", base);
  const patches = () => fake.requests.filter((r) => r.method !== "GET");
  return { fake, host, model: fake.model, base, logs, patches };
}

describe("observeOnly", () => {
  it("logs the fast-forward it would make and never sends a PATCH", async () => {
    const { host, model, base, logs, patches } = await setup();
    const target = model.commit("master", "tested");
    expect(await host.fastForward("nixos-unstable", target)).toEqual({
      kind: "observe-only",
      sha: target,
    });
    expect(model.branchHead("nixos-unstable")).toBe(base);
    expect(patches()).toEqual([]);
    expect(logs.find((l) => l.msg === "would fast-forward")).toMatchObject({
      branch: "nixos-unstable",
      from: base,
      to: target,
      aheadBy: 1,
    });
  });

  it("refuses diverged and backwards moves exactly like the real host", async () => {
    const { host, model, base, patches } = await setup();
    const target = model.commit("master", "tested");
    model.commit("nixos-unstable", "hotfix");
    expect(await host.fastForward("nixos-unstable", target)).toMatchObject({
      kind: "not-fast-forward",
      message: /diverged/,
    });
    expect(await host.fastForward("master", base)).toMatchObject({
      kind: "not-fast-forward",
      message: /behind/,
    });
    expect(patches()).toEqual([]);
  });

  it("passes reads through to the wrapped host", async () => {
    const { host, model, base } = await setup();
    const next = model.commit("master", "next");
    expect((await host.branchHead("master"))?.sha).toBe(next);
    expect((await host.commit(base)).sha).toBe(base);
    expect(await host.compare(base, next)).toMatchObject({ status: "ahead", aheadBy: 1 });
    expect(await host.fastForward("master", next)).toEqual({ kind: "updated", sha: next });
  });
});
