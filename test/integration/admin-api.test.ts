import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type LoopbackServer, serveOnLoopback } from "../../src/sim/serve.node.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { productsFromHydraOnly } from "../support/hydra-downloads-only.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";
const ADMIN_ENV = { FLOODGATE_ADMIN_TOKEN: `alice:${TOKEN}` };
const FAILING = "nixos.tests.firewall.x86_64-linux";
const OTHER = "nixos.tests.installer.simple.x86_64-linux";
const ACTIONS = ["freeze", "unfreeze", "pin", "unpin", "retry", "accept"] as const;

interface AuditEntry {
  at: string;
  action: string;
  channel: string;
  reason: string | null;
  details: Record<string, unknown>;
  actor: string;
}

describe("the admin API over HTTP", () => {
  let h: Harness;
  let server: LoopbackServer;
  const start = async (env: Record<string, string> = ADMIN_ENV) => {
    h = await startHarness(env);
    server = await serveOnLoopback(h.app);
  };
  afterEach(async () => {
    await server.close();
    await h.close();
  });

  const nixos = () => h.channel("nixos-unstable");
  const admin = (action: string, body?: unknown, token: string | null = TOKEN) =>
    fetch(`${server.url}/api/v1/channels/nixos-unstable/${action}`, {
      method: "POST",
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const audit = async (): Promise<AuditEntry[]> => {
    const res = await fetch(`${server.url}/api/v1/channels/nixos-unstable/audit`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { entries: AuditEntry[] }).entries;
  };
  const servedRelease = async () => {
    const res = await fetch(`${server.url}/nixos-unstable`, { redirect: "manual" });
    return res.headers.get("location") ?? "";
  };
  const passingEval = async (message: string) => {
    h.sim.github.model.commit("master", message);
    const ev = await h.sim.evaluate(nixos());
    h.sim.hydra.model.finishEval(ev.evalId);
    return ev;
  };

  describe("off or locked", () => {
    it("answers 404 on every admin path when FLOODGATE_ADMIN_TOKEN is unset", async () => {
      await start({});
      for (const action of ACTIONS) {
        expect((await admin(action, { reason: "x" })).status, action).toBe(404);
      }
      expect(await audit()).toEqual([]);
    });

    it("answers 401 without a token or with a wrong one, and changes nothing", async () => {
      await start();
      h.seedBranches();
      const ev = await passingEval("hello: 2.13 -> 2.14");
      expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");
      const before = await servedRelease();
      const bodies: Record<string, unknown> = {
        freeze: { reason: "x" },
        pin: { release: ev.releaseName, reason: "x" },
        accept: { eval: ev.evalId, constituents: [FAILING], reason: "x" },
      };
      for (const action of ACTIONS) {
        for (const token of [null, "wrong-token-wrong-token-wrong-tok", `${TOKEN}x`, "alice"]) {
          const res = await admin(action, bodies[action], token);
          expect(res.status, `${action} with ${token}`).toBe(401);
          expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        }
      }
      expect(await audit()).toEqual([]);
      const alerts = await (
        await fetch(`${server.url}/api/v1/alerts?channel=nixos-unstable`)
      ).json();
      expect(alerts.alerts.filter((a: { kind: string }) => a.kind === "admin")).toEqual([]);
      expect(await servedRelease()).toBe(before);
      const detail = await (await fetch(`${server.url}/api/v1/channels/nixos-unstable`)).json();
      expect(detail.channel.frozen).toBeNull();
      expect(detail.channel.pin).toBeNull();
    });
  });

  describe("with a token", () => {
    beforeEach(() => start());

    it("freezes with a reason shown on the page and the API, blocks the tick, and unfreezes", async () => {
      h.seedBranches();
      const ev = await passingEval("hello: 2.13 -> 2.14");
      expect((await admin("freeze", {})).status).toBe(400);
      const noReason = await admin("freeze", { reason: "" });
      expect(noReason.status).toBe(400);
      expect(JSON.stringify(await noReason.json())).toContain("reason");
      expect((await admin("freeze", "not an object")).status).toBe(400);
      const garbled = await fetch(`${server.url}/api/v1/channels/nixos-unstable/freeze`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: "{reason",
      });
      expect(garbled.status).toBe(400);
      const huge = await admin("freeze", { reason: "x".repeat(100_000) });
      expect([400, 413]).toContain(huge.status);
      expect(await audit()).toEqual([]);

      const frozen = await admin("freeze", { reason: "staging-next merge in progress" });
      expect(frozen.status).toBe(200);
      expect(await frozen.json()).toMatchObject({ channel: "nixos-unstable", action: "freeze" });
      const blocked = await tickChannel(h.deps, nixos());
      expect(blocked.kind).toBe("blocked");
      expect(blocked.summary).toContain("frozen: staging-next merge in progress");
      expect(h.sim.github.model.branchHead("nixos-unstable")).not.toBe(ev.revision);

      const page = await (await fetch(`${server.url}/channels/nixos-unstable`)).text();
      expect(page).toContain("staging-next merge in progress");
      const detail = await (await fetch(`${server.url}/api/v1/channels/nixos-unstable`)).json();
      expect(detail.channel.frozen).toMatchObject({ reason: "staging-next merge in progress" });

      expect((await admin("unfreeze")).status).toBe(200);
      expect(await tickChannel(h.deps, nixos())).toMatchObject({
        kind: "advanced",
        release: ev.releaseName,
      });
      const entries = await audit();
      expect(entries.map((e) => [e.action, e.reason, e.actor])).toEqual([
        ["unfreeze", null, "alice"],
        ["freeze", "staging-next merge in progress", "alice"],
      ]);
      expect(entries[0]?.channel).toBe("nixos-unstable");
      const alerts = await (
        await fetch(`${server.url}/api/v1/alerts?channel=nixos-unstable`)
      ).json();
      const adminAlerts = alerts.alerts.filter((a: { kind: string }) => a.kind === "admin");
      expect(adminAlerts.map((a: { summary: string }) => a.summary)).toEqual([
        "nixos-unstable unfreeze by alice",
        "nixos-unstable freeze by alice: staging-next merge in progress",
      ]);
      expect(JSON.stringify(entries)).not.toContain(TOKEN);
    });

    it("pins the served pointer back at once, holds the channel, and unpin lets it advance", async () => {
      h.seedBranches();
      const first = await passingEval("hello: 2.13 -> 2.14");
      expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");
      const second = await passingEval("linux: 6.18.1 -> 6.18.2");
      expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");
      expect(await servedRelease()).toContain(second.releaseName);

      expect((await admin("pin", { release: "nixos-26.11pre1.000000000000" })).status).toBe(400);
      expect((await admin("pin", {})).status).toBe(400);
      const pinned = await admin("pin", { release: first.releaseName, reason: "firefox crash" });
      expect(pinned.status).toBe(200);
      expect(await servedRelease()).toContain(first.releaseName);
      const file = await fetch(`${server.url}/nixos-unstable/git-revision`, { redirect: "manual" });
      expect(file.headers.get("location")).toContain(first.releaseName);

      const third = await passingEval("python3: 3.13.9 -> 3.13.10");
      const held = await tickChannel(h.deps, nixos());
      expect(held.kind).toBe("blocked");
      expect(held.summary).toContain(`pinned to ${first.releaseName}`);
      expect(await servedRelease()).toContain(first.releaseName);
      // The branch is never forced back: it stays where the newest release put it.
      expect(h.sim.github.model.branchHead("nixos-unstable")).toBe(second.revision);
      const page = await (await fetch(`${server.url}/channels/nixos-unstable`)).text();
      expect(page).toContain(`Pinned to ${first.releaseName}`);
      expect(page).toContain("firefox crash");
      expect(page).toMatch(/branch <code>nixos-unstable<\/code> is not forced back/);
      const detail = await (await fetch(`${server.url}/api/v1/channels/nixos-unstable`)).json();
      expect(detail.channel.pin).toMatchObject({
        release: first.releaseName,
        reason: "firefox crash",
      });
      expect(detail.channel.release.name).toBe(first.releaseName);

      expect((await admin("unpin")).status).toBe(200);
      expect(await servedRelease()).toContain(second.releaseName);
      expect(await tickChannel(h.deps, nixos())).toMatchObject({
        kind: "advanced",
        release: third.releaseName,
      });
      expect(await servedRelease()).toContain(third.releaseName);
      expect((await audit()).map((e) => [e.action, e.details.release ?? null])).toEqual([
        ["unpin", null],
        ["pin", first.releaseName],
      ]);
    });

    it("accept lets exactly the named failures through; any other failure still blocks", async () => {
      h.seedBranches();
      h.sim.github.model.commit("master", "hello: 2.13 -> 2.14");
      const ev = await h.sim.evaluate(nixos());
      h.sim.hydra.model.finishEval(ev.evalId, { [FAILING]: 1 });
      expect((await tickChannel(h.deps, nixos())).summary).toContain(FAILING);

      const missing = await admin("accept", { eval: ev.evalId, constituents: [FAILING] });
      expect(missing.status).toBe(400);
      const none = await admin("accept", { eval: ev.evalId, constituents: [], reason: "r" });
      expect(none.status).toBe(400);
      const unknown = await admin("accept", {
        eval: ev.evalId,
        constituents: ["nixos.tests.nope.x86_64-linux"],
        reason: "r",
      });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(await unknown.json())).toContain("nixos.tests.nope.x86_64-linux");
      expect(await audit()).toEqual([]);

      const accepted = await admin("accept", {
        eval: ev.evalId,
        constituents: [FAILING],
        reason: "flaky test, known upstream",
      });
      expect(accepted.status).toBe(200);
      expect(await tickChannel(h.deps, nixos())).toMatchObject({
        kind: "advanced",
        release: ev.releaseName,
      });
      expect(h.sim.github.model.branchHead("nixos-unstable")).toBe(ev.revision);

      // The next eval fails the accepted job and another one: the accept was for one eval only,
      // and an accept of the first job alone still leaves the other blocking.
      h.sim.github.model.commit("master", "linux: 6.18.1 -> 6.18.2");
      const next = await h.sim.evaluate(nixos());
      h.sim.hydra.model.finishEval(next.evalId, { [FAILING]: 1, [OTHER]: 1 });
      const stillBlocked = await tickChannel(h.deps, nixos());
      expect(stillBlocked.kind).toBe("blocked");
      expect(
        (await admin("accept", { eval: next.evalId, constituents: [FAILING], reason: "flaky" }))
          .status,
      ).toBe(200);
      const other = await tickChannel(h.deps, nixos());
      expect(other.kind).toBe("blocked");
      expect(other.summary).toContain(OTHER);
      expect(other.summary).not.toContain(FAILING);
      expect(h.sim.github.model.branchHead("nixos-unstable")).toBe(ev.revision);
      expect(
        (await audit()).map((e) => [e.action, e.details.eval, e.details.constituents]),
      ).toEqual([
        ["accept", next.evalId, [FAILING]],
        ["accept", ev.evalId, [FAILING]],
      ]);
    });

    it("answers 404 for an unknown channel", async () => {
      const res = await fetch(`${server.url}/api/v1/channels/nixos-nope/freeze`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "x" }),
      });
      expect(res.status).toBe(404);
    });
  });
  describe("retry", () => {
    beforeEach(() => start({ ...ADMIN_ENV, FLOODGATE_STEP_MAX_ATTEMPTS: "1" }));

    it("restarts a release step that stopped as failed, and only then", async () => {
      h.seedBranches();
      const first = await passingEval("hello: 2.13 -> 2.14");
      expect((await tickChannel(h.deps, nixos())).kind).toBe("advanced");
      const next = await passingEval("linux: 6.18.1 -> 6.18.2");
      productsFromHydraOnly(h.sim, next);
      h.sim.hydra.faults.add({ path: /\/download\//, status: 200, body: "not it", times: 100 });
      const failed = await tickChannel(h.deps, nixos());
      expect(failed.kind).toBe("blocked");
      expect(failed.summary).toMatch(/sha256/i);
      const downloads = () => h.sim.hydra.requests.filter((r) => r.path.includes("/download/"));
      const tried = downloads().length;
      expect((await tickChannel(h.deps, nixos())).kind).toBe("blocked");
      expect(downloads().length).toBe(tried);
      expect(await servedRelease()).toContain(first.releaseName);

      h.sim.hydra.faults.clear();
      const retried = await admin("retry");
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({
        action: "retry",
        actor: "alice",
        details: { release: next.releaseName, resumesAt: "pending" },
      });
      expect(await tickChannel(h.deps, nixos())).toMatchObject({
        kind: "advanced",
        release: next.releaseName,
      });
      const again = await admin("retry");
      expect(again.status).toBe(409);
      expect((await audit()).map((e) => e.action)).toEqual(["retry"]);
    });
  });
});
