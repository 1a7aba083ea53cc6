import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBehindFastPath } from "../../../test/support/fast-path-server.ts";
import { silentLogger } from "../../log.ts";
import type { LoopbackServer } from "../../sim/serve.node.ts";
import { createChannelReadModel } from "../read-model/channel-read-model.ts";
import { createPageCache } from "../routes/cached-pages.ts";
import { encodeBodyNode } from "../routes/encode-body.node.ts";
import { pageCache } from "../routes/page-cache.ts";

describe("page answers on the fast path", () => {
  const state = { now: 0, renders: 0, gate: null as Promise<void> | null };
  const toApp: string[] = [];
  let server: LoopbackServer;
  const pages = createPageCache({ nowMs: () => state.now, maxAgeMs: 1000 });

  beforeAll(async () => {
    const readModel = createChannelReadModel({
      load: async () => new Map([["c", { row: null, release: null }]]),
      maxAgeMs: 60_000,
    });
    await readModel.refresh();
    const app = new Hono();
    const rerender = (request: Request) => app.fetch(request);
    app.use(pageCache({ readModel, cache: pages, encode: encodeBodyNode, rerender }));
    app.get("/", async (c) => {
      const body = `<p>render ${++state.renders}</p>`;
      if (state.gate) await state.gate;
      return c.html(body);
    });
    const deps = { readModel, pages, channels: ["c"], publicUrl: "http://t", logger: silentLogger };
    server = await serveBehindFastPath(app, deps, toApp);
  });
  afterAll(() => server.close());

  const get = async () => {
    const before = toApp.length;
    const body = await (await fetch(`${server.url}/`)).text();
    return { body, byApp: toApp.length > before };
  };

  it("serves an expired rendering itself once the app re-renders it, then the new one", async () => {
    expect(await get()).toEqual({ body: "<p>render 1</p>", byApp: true });
    expect(await get()).toEqual({ body: "<p>render 1</p>", byApp: false });
    state.now = 1000;
    let open = () => {};
    state.gate = new Promise((resolve) => (open = resolve));
    // The app sees the expiry and starts the re-rendering; meanwhile the fast path serves.
    expect(await get()).toEqual({ body: "<p>render 1</p>", byApp: true });
    expect(await get()).toEqual({ body: "<p>render 1</p>", byApp: false });
    state.gate = null;
    open();
    while (pages.isRenewing("/")) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await get()).toEqual({ body: "<p>render 2</p>", byApp: false });
    expect(state.renders).toBe(2);
  });
});
