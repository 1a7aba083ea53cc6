import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, defaultReadModel } from "../../src/app.ts";
import type { LoopbackServer } from "../../src/sim/serve.node.ts";
import { everyResponseHeaders } from "../../src/status/fast-path/public-fast-path.node.ts";
import { createLookupAnswers } from "../../src/status/landings/lookup-answers.ts";
import { serveBehindFastPath } from "../support/fast-path-server.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// Set per response by Node or only by the app (the fast path writes no error bodies to tag).
const PER_RESPONSE = new Set(["date", "connection", "keep-alive", "x-request-id"]);

/** `serve`'s front: kept commit lookups answered by Node, the rest by the app (counted). */
describe("commit lookups asked again, on Node's fast path", () => {
  let h: Harness;
  let server: LoopbackServer;
  const toApp: string[] = [];
  let sha = "";

  beforeAll(async () => {
    h = await startHarness({
      FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: "4",
      FLOODGATE_LOOKUP_CLIENT_IP_HEADER: "x-test-client",
    });
    h.seedBranches();
    sha = h.sim.github.model.branchHead("master") ?? "";
    const readModel = defaultReadModel(h.deps);
    const lookupAnswers = createLookupAnswers(readModel, h.deps.clock);
    const app = createApp({ ...h.deps, readModel, lookupAnswers });
    const deps = {
      readModel,
      channels: h.config.channels.map((c) => c.name),
      publicUrl: h.config.publicUrl,
      logger: h.deps.logger,
      commonHeaders: await everyResponseHeaders(app),
      lookups: { answers: lookupAnswers, guard: h.deps.lookups },
    };
    server = await serveBehindFastPath(app, deps, toApp);
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  // Node's fetch asks for gzip unless told otherwise; curl and nix ask for no coding.
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const before = toApp.length;
    const res = await fetch(`${server.url}${path}`, {
      headers: { "accept-encoding": "identity", "x-test-client": "192.0.2.1", ...headers },
    });
    const body = await res.text();
    const kept = [...res.headers].filter(([name]) => !PER_RESPONSE.has(name));
    return { status: res.status, body, headers: kept, byApp: toApp.length > before };
  };

  it("answers a kept lookup as the app did, taking it from the client's allowance", async () => {
    const path = `/api/v1/commits/${sha.slice(0, 8).toUpperCase()}`;
    const first = await get(path);
    expect(first).toMatchObject({ status: 200, byApp: true });
    expect(JSON.parse(first.body)).toMatchObject({ commit: { sha } });

    const again = await get(path);
    expect(again).toEqual({ ...first, byApp: false });
    // The same commit by another prefix is another key: the app looks it up.
    expect(await get(`/api/v1/commits/${sha.slice(0, 9)}`)).toMatchObject({ byApp: true });
    // The client's allowance (4 a minute) is used up: the app answers, with its 429.
    expect(await get(`/api/v1/commits/${sha}`)).toMatchObject({ status: 200, byApp: true });
    const refused = await get(path);
    expect(refused).toMatchObject({ status: 429, byApp: true });
  });

  it("leaves a coding the app applies, HEAD and an unknown path to the app", async () => {
    const path = `/api/v1/commits/${sha.slice(0, 10)}`;
    const client = { "x-test-client": "192.0.2.2" };
    await get(path, client);
    expect(await get(path, client)).toMatchObject({ byApp: false });
    const gzip = await get(path, { ...client, "accept-encoding": "gzip" });
    expect(gzip).toMatchObject({ status: 200, byApp: true });
    expect(gzip.headers).toContainEqual(["content-encoding", "gzip"]);
    const before = toApp.length;
    const head = await fetch(`${server.url}${path}`, { method: "HEAD", headers: client });
    expect(head.status).toBeLessThan(500);
    expect(toApp.length).toBe(before + 1);
    expect(await get("/api/v1/commits/zzzzzzz", client)).toMatchObject({ byApp: true });
  });
});
