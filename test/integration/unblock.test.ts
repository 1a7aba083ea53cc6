import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { alerts } from "../../src/db/schema.ts";
import { hydraReport } from "../../src/hydra/hydra-report.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { formatExplain } from "../../src/unblock/format-explain.ts";
import type { UnblockReport } from "../../src/unblock/unblock-types.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FLAKY = "nixos.tests.installer.simple.x86_64-linux";
const BROKEN = "nixos.tests.firewall.x86_64-linux";
const STEADY = "nixos.tests.boot.uefiCdrom.x86_64-linux";
const JOBS = [STEADY, BROKEN, FLAKY];

/**
 * A simulated history recorded as floodgate records it (each eval's gate through the Hydra client,
 * restarts seen by the next poll): FLAKY fails in evals 2 and 4 and passes each time on restart,
 * then fails again in eval 7; BROKEN passes until eval 5 and fails from eval 6 on, where PR #4242
 * landed. The blocked tick at eval 7 must tell them apart.
 */
describe("unblock assistant on a simulated history", () => {
  let h: Harness;
  const evals: SimEval[] = [];
  let breaking = "";
  let report: UnblockReport | undefined;

  beforeAll(async () => {
    h = await startHarness();
    h.seedBranches();
    const spec = h.channel("nixos-unstable");
    const model = h.sim.hydra.model;
    const record = () => hydraReport(h.deps, spec);
    for (let i = 1; i <= 7; i++) {
      h.sim.github.model.commit("master", `pkgs: update ${i}`);
      if (i === 6) {
        breaking = h.sim.github.model.commit("master", "iptables: 1.8.10 -> 1.8.11");
        h.sim.github.model.addPull({
          number: 4242,
          title: "iptables: 1.8.10 -> 1.8.11",
          mergeCommitSha: breaking,
          baseRef: "master",
        });
      }
      const ev = await h.sim.evaluate(spec, { constituents: JOBS });
      evals.push(ev);
      const overrides: Record<string, number> = {};
      if (i === 2 || i === 4 || i === 7) overrides[FLAKY] = 1;
      if (i >= 6) overrides[BROKEN] = 1;
      model.finishEval(ev.evalId, overrides);
      await record();
      if (i === 2 || i === 4) {
        model.restartAndFinish(ev.buildIds[FLAKY] ?? 0, 0);
        await record();
      }
      // The channel advances to eval 5, its last good one; evals 6 and 7 block it.
      if (i === 5) expect((await tickChannel(h.deps, spec)).kind).toBe("advanced");
    }
    const outcome = await tickChannel(h.deps, spec);
    report = outcome.kind === "blocked" ? outcome.unblock : undefined;
    await h.deps.lookupWrites.settled();
  }, 120_000);
  afterAll(() => h?.close());

  const explained = (job: string) => report?.constituents.find((c) => c.job === job);

  it("calls the constituent that passed on each restart flaky", () => {
    const flaky = explained(FLAKY);
    expect(flaky?.strip).toBe("✔↻✔↻✔✔✖");
    expect(flaky?.verdict).toMatchObject({
      kind: "flaky",
      text: "likely flaky: failed 3 times in 7 evals, each earlier failure passed on restart",
    });
    expect(flaky?.restartsPassed).toBe(2);
    expect(flaky?.range).toBeNull();
    expect(flaky?.url).toBe(`${h.sim.hydra.url}/build/${evals[6]?.buildIds[FLAKY]}`);
  });

  it("calls the one failing since eval 6 consistent, with the commits and the PR that broke it", () => {
    const broken = explained(BROKEN);
    const [e5, e6] = [evals[4], evals[5]];
    expect(broken?.strip).toBe("✔✔✔✔✔✖✖");
    expect(broken?.verdict).toMatchObject({
      kind: "consistent",
      text: `failing since eval ${e6?.evalId} (first bad; passed in eval ${e5?.evalId})`,
      firstBad: { evalId: e6?.evalId, revision: e6?.revision },
      lastGood: { evalId: e5?.evalId, revision: e5?.revision },
    });
    const range = broken?.range;
    expect(range?.compareUrl).toBe(
      `https://github.com/NixOS/nixpkgs/compare/${e5?.revision}...${e6?.revision}`,
    );
    // Eval 6's two new commits, oldest first; the PR carried the second.
    expect(range?.commits?.map((c) => c.sha)).toEqual([expect.any(String), breaking]);
    expect(range?.commits?.[1]?.pulls).toEqual([
      expect.objectContaining({ number: 4242, title: "iptables: 1.8.10 -> 1.8.11" }),
    ]);
    expect(range?.commits?.[0]?.pulls).toEqual([]);
    expect(explained(STEADY)).toBeUndefined();
  });

  it("puts the verdicts in the blocked alert, the JSON API, the page and the CLI text", async () => {
    const rows = await h.deps.db.select().from(alerts).where(eq(alerts.kind, "blocked"));
    const newest = rows.at(-1)?.data as {
      failing?: { job: string; verdict?: { kind: string; compareUrl?: string } }[];
    };
    const verdicts = Object.fromEntries((newest.failing ?? []).map((f) => [f.job, f.verdict]));
    expect(verdicts[FLAKY]?.kind).toBe("flaky");
    expect(verdicts[BROKEN]).toMatchObject({
      kind: "consistent",
      compareUrl: explained(BROKEN)?.range?.compareUrl,
    });

    const api = await h.app.request("/api/v1/channels/nixos-unstable/unblock");
    expect(api.status).toBe(200);
    const body = (await api.json()) as { unblock: UnblockReport };
    expect(body.unblock.constituents.map((c) => c.verdict.kind).sort()).toEqual([
      "consistent",
      "flaky",
    ]);
    expect((await h.app.request("/api/v1/channels/nope/unblock")).status).toBe(404);

    const page = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(page).toContain('id="unblock"');
    expect(page).toContain("likely flaky: failed 3 times in 7 evals");
    expect(page).toContain('href="https://github.com/NixOS/nixpkgs/pull/4242"');

    const text = formatExplain(report as UnblockReport).join("\n");
    expect(text).toContain(`✔✔✔✔✔✖✖ ${BROKEN}`);
    expect(text).toContain("#4242 iptables: 1.8.10 -> 1.8.11");
  });
});
