import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const HOSTILE = `nixos.tests.<script>alert("x")</script>.x86_64-linux`;

describe("the status page", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it("says which constituent blocks a channel, escaping whatever Hydra calls it", async () => {
    h.seedBranches();
    const nixos = h.channel("nixos-unstable");
    const ev = await h.sim.evaluate(nixos, {
      constituents: [HOSTILE, "nixos.tests.boot.x86_64-linux"],
    });
    h.sim.hydra.model.finishEval(ev.evalId, { [HOSTILE]: 7 });
    await tickChannel(h.deps, nixos);

    const res = await h.app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).not.toContain("<script>");
    expect(page).toContain(
      "nixos.tests.&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;.x86_64-linux",
    );
    expect(page).toContain("timed out");
    expect(page).toContain(`href="${h.config.hydraUrl}/build/${ev.buildIds[HOSTILE]}"`);
    expect(page).toMatch(/<span class="state blocked">blocked<\/span>/);
    // The channel that was never ticked is listed honestly.
    expect(page).toContain("not ticked yet");
    const channelPage = await (await h.app.request("/channels/nixos-unstable")).text();
    expect(channelPage).toContain(
      `<a class="fail" href="${h.config.hydraUrl}/build/${ev.aggregateId}"`,
    );
    expect(channelPage).not.toContain("<script>");
  });

  it("shows a channel's pipeline, releases and events on its own page", async () => {
    h.seedBranches();
    const nixos = h.channel("nixos-unstable");
    const ev = await h.sim.evaluate(nixos);
    h.sim.hydra.model.finishEval(ev.evalId);
    await tickChannel(h.deps, nixos);

    const res = await h.app.request("/channels/nixos-unstable");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(
      `Serving <a href="http://floodgate.test/releases/nixos/unstable/${ev.releaseName}">`,
    );
    expect(page).toContain(
      `<a href="${h.config.hydraUrl}/build/${ev.aggregateId}">${ev.releaseName}</a>`,
    );
    expect(page).toContain(`nixos-unstable advanced to ${ev.releaseName}`);
    const detail = (await (await h.app.request("/api/v1/channels/nixos-unstable")).json()) as {
      funnel: { branch: { head: string }; sourceBranch: { head: string } };
      releases: { name: string; state: string }[];
      events: { type: string }[];
      jobHistory: { buildId: number; result: string; revision: string }[];
    };
    expect(detail.releases).toEqual([
      expect.objectContaining({ name: ev.releaseName, state: "published" }),
    ]);
    expect(detail.funnel.sourceBranch.head).toBe(ev.revision);
    expect(detail.events.map((e) => e.type)).toEqual(["channel.advanced"]);
    expect(detail.jobHistory).toEqual([
      expect.objectContaining({ buildId: ev.aggregateId, result: "passed", revision: ev.revision }),
    ]);
    expect(page).toContain(`<a class="pass" href="${h.config.hydraUrl}/build/${ev.aggregateId}"`);
    expect((await h.app.request("/channels/nixos-nope")).status).toBe(404);
  });

  it("answers unknown API paths and channels with typed JSON errors", async () => {
    const missing = await h.app.request("/api/v1/channels/nixos-nope");
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toContain("nixos-nope");
    expect(body.error.requestId).toBeTruthy();
    expect((await h.app.request("/nixos-unstable")).status).toBe(404);
  });
});
