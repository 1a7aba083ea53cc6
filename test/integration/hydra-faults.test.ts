import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALL_CONSTITUENTS_POLICY } from "../../src/channels/describe-decision.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { channels } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { USER_AGENT } from "../../src/entry/runtime.node.ts";
import { createHydraClient } from "../../src/hydra/hydra-client.ts";
import { type FaultRule, hydraFaults } from "../../src/sim/fake-hydra.node.ts";
import { seededRandom } from "../../src/sim/hydra-json.ts";
import type { SimEval } from "../../src/sim/simulator.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const FAILING = "nixos.tests.firewall.x86_64-linux";
const MAX_BODY = 256 * 1024;
const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };
const CLEAR_ERRORS = new Set([
  "HYDRA_NOT_JSON",
  "HYDRA_BAD_SHAPE",
  "HYDRA_TOO_LARGE",
  "HYDRA_HTTP_5XX",
  "HYDRA_BAD_REDIRECT",
]);
const WRONG_VALUES: unknown[] = ["yes", -1, 1.5, null, {}, [], true, "", [0]];

type Path = (string | number)[];
/** `mustFail`: surely malformed, so the tick must end in a clear error, not only "not advanced". */
type Case = { name: string; mustFail: boolean } & Omit<FaultRule, "path">;

function withValue(body: unknown, path: Path, value: unknown): string {
  const copy: unknown = structuredClone(body);
  let node = copy as Record<string | number, unknown>; // safe because paths are taken from `body`
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) ?? ""] = value;
  return JSON.stringify(copy);
}

/** Every path to a leaf or small value of a JSON document. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [prefix];
  const entries = Object.entries(value);
  return [
    prefix,
    ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k])),
  ];
}

/** Truncations, wrongly typed fields (named and seeded-random), HTML pages and a huge body. */
function malformed(real: string, named: [Path, unknown][], seed: number): Case[] {
  const body: unknown = JSON.parse(real);
  const rand = seededRandom(seed);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)] as T;
  const paths = pathsOf(body).filter((p) => p.length > 0);
  const random = Array.from({ length: 4 }, (): [Path, unknown] => [
    pick(paths),
    pick(WRONG_VALUES),
  ]);
  const answer = (name: string, mustFail: boolean, text: string): Case => ({
    name,
    mustFail,
    status: 200,
    headers: JSON_TYPE,
    body: text,
  });
  const wrong = ([path, value]: [Path, unknown], mustFail: boolean) =>
    answer(`${path.join(".")} = ${JSON.stringify(value)}`, mustFail, withValue(body, path, value));
  return [
    ...[0.02, 0.5, 0.98].map((f) =>
      answer(`truncated at ${f}`, true, real.slice(0, Math.floor(real.length * f))),
    ),
    ...named.map((change) => wrong(change, true)),
    { name: "HTML page with 200", mustFail: true, ...hydraFaults.htmlInsteadOfJson },
    { name: "HTML 502 from nginx", mustFail: true, ...hydraFaults.badGatewayHtml },
    answer("huge body", true, `[${'{"id":1},'.repeat(MAX_BODY / 6)}`),
    // Last: a random change may be harmless (an ignored field), and then it is recorded.
    ...random.map((change) => wrong(change, false)),
  ];
}

describe("never a wrong pass: the tick ends in a clear error on", () => {
  let h: Harness;
  let deps: Deps;
  let ev: SimEval;
  beforeEach(async () => {
    h = await startHarness();
    h.seedBranches();
    const hydra = createHydraClient({
      baseUrl: h.config.hydraUrl,
      userAgent: USER_AGENT,
      requestsPerSecond: 500,
      baseBackoffMs: 2,
      attempts: 2,
      maxBodyBytes: MAX_BODY,
    });
    deps = { ...h.deps, hydra };
    ev = await h.sim.evaluate(h.channel("nixos-unstable"));
    // nixpkgs#47419: the gate passed although a constituent's record failed; only a correct
    // reading of every constituent keeps the channel from advancing.
    h.sim.hydra.model.finishEval(ev.evalId, { [FAILING]: 1, tested: 0 });
  });
  afterEach(() => h.close());

  const realBody = async (path: string) =>
    (await fetch(h.sim.hydra.url + path, { headers: { Accept: "application/json" } })).text();

  /** `pageOnly`: the endpoint only feeds the page, so a bad answer is a note on the decision. */
  async function expectNoWrongPass(path: RegExp, cases: Case[], pageOnly = false) {
    for (const { name, mustFail, ...answer } of cases) {
      const fault = h.sim.hydra.faults.add({ path, times: 10, ...answer });
      const outcome = await tickChannel(deps, h.channel("nixos-unstable"));
      h.sim.hydra.faults.clear();
      expect(outcome.kind, `${name}: ${outcome.summary}`).not.toBe("advanced");
      if (!mustFail) continue;
      expect(fault.hits, name).toBeGreaterThan(0);
      if (pageOnly) {
        const notes = outcome.kind === "blocked" ? outcome.decision.notes : [];
        expect(notes, name).toMatchObject([{ kind: "page-work-failed", work: "newer-gate" }]);
        expect(notes.every((n) => n.kind !== "page-work-failed" || CLEAR_ERRORS.has(n.code))).toBe(
          true,
        );
        continue;
      }
      expect(outcome.kind, `${name}: ${outcome.summary}`).toBe("error");
      expect(outcome.kind === "error" && CLEAR_ERRORS.has(outcome.code), name).toBe(true);
      expect(outcome.summary, name).toMatch(/Hydra|build|eval/);
    }
    expect(h.sim.github.requests.filter((r) => r.method === "PATCH")).toHaveLength(0);
    expect(await h.releaseCount()).toBe(0);
    const healthy = await tickChannel(deps, h.channel("nixos-unstable"));
    expect(healthy.summary).toBe(
      `nixos-unstable blocked: ${FAILING} failed (${ALL_CONSTITUENTS_POLICY})`,
    );
  }

  it("a malformed gate build", async () => {
    const real = await realBody(`/build/${ev.aggregateId}`);
    const named: [Path, unknown][] = [
      [["id"], "x"],
      [["finished"], "yes"],
      [["buildstatus"], -1],
      [["jobsetevals"], "1830001"],
      [["nixname"], null],
      [["job"], 42],
    ];
    await expectNoWrongPass(new RegExp(`^/build/${ev.aggregateId}$`), malformed(real, named, 1));
  });

  it("a malformed eval", async () => {
    const real = await realBody(`/eval/${ev.evalId}`);
    const named: [Path, unknown][] = [
      [["jobsetevalinputs", "nixpkgs", "revision"], "abc123"],
      [["jobsetevalinputs"], "nixpkgs"],
      [["hasnewbuilds"], "true"],
      [["id"], -1],
    ];
    await expectNoWrongPass(new RegExp(`^/eval/${ev.evalId}$`), malformed(real, named, 2));
  });

  it("a malformed constituents list", async () => {
    const real = await realBody(`/build/${ev.aggregateId}/constituents`);
    const failing = (JSON.parse(real) as { job: string }[]).findIndex((b) => b.job === FAILING);
    const named: [Path, unknown][] = [
      [[failing, "finished"], "yes"],
      [[failing, "buildstatus"], "failed"],
      [[failing, "buildstatus"], null],
      [[failing, "id"], 0],
      [[failing], "nixos.tests.firewall"],
    ];
    await expectNoWrongPass(/\/constituents$/, malformed(real, named, 3));
  });

  it("a malformed list of newest finished builds", async () => {
    const real = await realBody("/api/latestbuilds?nr=1&project=nixos&jobset=unstable&job=tested");
    const named: [Path, unknown][] = [
      [[0, "buildstatus"], "ok"],
      [[0, "finished"], 2],
      [[0], null],
    ];
    await expectNoWrongPass(/^\/api\/latestbuilds/, malformed(real, named, 4), true);
  });

  it("a broken latest-finished redirect", async () => {
    const redirect = (location?: string): Case => ({
      name: `302 to ${location ?? "nowhere"}`,
      mustFail: true,
      status: 302,
      headers: location ? { Location: location } : {},
      body: "",
    });
    await expectNoWrongPass(/\/latest-finished$/, [
      { name: "HTML page with 200", mustFail: true, ...hydraFaults.htmlInsteadOfJson },
      { name: "truncated JSON with 200", mustFail: true, ...hydraFaults.truncatedJson },
      redirect(),
      redirect(`/eval/${ev.evalId}`),
      redirect("/build/abc"),
      redirect("/build/0"),
      { name: "HTML 500", mustFail: true, ...hydraFaults.serverErrorHtml },
    ]);
  });
});

describe("a slow Hydra", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.seedBranches();
  });
  afterEach(() => h.close());

  it("hits the per-request timeout and records it as the channel's error", async () => {
    const hydra = createHydraClient({
      baseUrl: h.config.hydraUrl,
      userAgent: USER_AGENT,
      requestsPerSecond: 500,
      timeoutMs: 300,
      attempts: 2,
      baseBackoffMs: 2,
    });
    const ev = await h.sim.evaluate(h.channel("nixos-unstable"));
    h.sim.hydra.model.finishEval(ev.evalId);
    const slow = h.sim.hydra.faults.add({ path: /^\/build\/\d+$/, delayMs: 5_000, times: 2 });

    const started = Date.now();
    const outcome = await tickChannel({ ...h.deps, hydra }, h.channel("nixos-unstable"));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(slow.hits).toBe(2);
    expect(outcome).toMatchObject({ kind: "error", code: "HYDRA_TIMEOUT" });
    const [row] = await h.deps.db
      .select()
      .from(channels)
      .where(eq(channels.name, "nixos-unstable"));
    expect(row?.lastError).toMatchObject({ code: "HYDRA_TIMEOUT", step: "tick" });
    expect(row?.lastError?.message).toContain(`/build/${ev.aggregateId}: timed out`);
    const api = await (await h.app.request("/api/v1/channels/nixos-unstable")).json();
    expect(api.channel).toMatchObject({ state: "error" });
    expect(await h.releaseCount()).toBe(0);
  });
});
