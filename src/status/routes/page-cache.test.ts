import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createChannelReadModel } from "../read-model/channel-read-model.ts";
import { PAGE_CACHE_CONTROL, PAGE_STALE_AFTER_CHANGE_MS } from "./cached-pages.ts";
import type { EncodeBody } from "./content-coding.ts";
import { encodeBodyNode } from "./encode-body.node.ts";
import { pageCache } from "./page-cache.ts";

function world(maxEntries?: number, encode?: EncodeBody, inBackground = false) {
  // `version` is the served release (a flip changes it); `outcome`, a status row a tick rewrites.
  const state = {
    version: "r1",
    outcome: "idle",
    renders: 0,
    now: 0,
    /** When set, renderings wait for it after reading the state (a slow rendering). */
    gate: null as Promise<void> | null,
  };
  const readModel = createChannelReadModel({
    load: async () =>
      new Map([
        [
          "c",
          {
            row: { name: "c", lastOutcome: { kind: state.outcome } } as never,
            release: { id: Number(state.version.slice(1)), name: state.version } as never,
          },
        ],
      ]),
    maxAgeMs: 60_000,
    nowMs: () => state.now,
  });
  const app = new Hono();
  app.use(
    pageCache({
      readModel,
      nowMs: () => state.now,
      maxAgeMs: 1000,
      maxEntries,
      ...(encode ? { encode } : {}),
      ...(inBackground ? { rerender: (request: Request) => app.fetch(request) } : {}),
    }),
  );
  app.get("/", async (c) => {
    state.renders++;
    const outcome = state.outcome === "idle" ? "" : ` ${state.outcome}`;
    const body = `<p>${state.version} render ${state.renders}${outcome}</p>`;
    if (state.gate) await state.gate;
    return c.html(body);
  });
  app.get("/channels/:c", (c) => c.json({ error: "unknown" }, 404));
  app.get("/api/v1/channels/:c/lag", (c) => {
    state.renders++;
    return c.json({ days: c.req.query("days") });
  });
  app.get("/api/v1/prs/:n", (c) => {
    state.renders++;
    return c.json({ n: c.req.param("n") });
  });
  return { state, readModel, app };
}

const body = async (answer: Response | Promise<Response>) => (await answer).text();

/** The first answer of `read` other than the one it gives now (within 5 s): a background rendering. */
async function eventually(read: () => Promise<string>): Promise<string> {
  const first = await read();
  for (let i = 0; i < 1000; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = await read();
    if (next !== first) return next;
  }
  return first;
}

describe("pageCache", () => {
  it("renders once per change, with an ETag that answers 304", async () => {
    const { state, readModel, app } = world();
    const first = await app.request("/");
    expect(first.headers.get("Cache-Control")).toBe(PAGE_CACHE_CONTROL);
    expect(first.headers.get("Content-Type")).toMatch(/^text\/html/);
    const etag = first.headers.get("ETag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
    expect(await first.text()).toBe("<p>r1 render 1</p>");
    expect(await (await app.request("/")).text()).toBe("<p>r1 render 1</p>");
    const revalidated = await app.request("/", { headers: { "If-None-Match": etag } });
    expect(revalidated.status).toBe(304);
    expect(state.renders).toBe(1);

    state.version = "r2";
    await readModel.refresh();
    const changed = await app.request("/", { headers: { "If-None-Match": etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe("<p>r2 render 2</p>");
  });

  it("keeps at most maxEntries renderings, and one for every query string no view reads", async () => {
    const { state, app } = world(3);
    for (let i = 0; i < 10; i++) await app.request(`/?junk=${i}`);
    expect(state.renders).toBe(1);
    for (let i = 0; i < 10; i++) await app.request(`/api/v1/channels/c/lag?days=${i}`);
    expect(state.renders).toBe(11);
    await app.request("/api/v1/channels/c/lag?days=9&junk=1");
    expect(state.renders).toBe(11);
    await app.request("/api/v1/channels/c/lag?days=0");
    expect(state.renders).toBe(12);
  });

  it("re-renders an expired page once while the others get the previous rendering", async () => {
    const { state, app } = world();
    await app.request("/");
    state.now = 1000;
    const answers = await Promise.all([app.request("/"), app.request("/"), app.request("/")]);
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(bodies.sort()).toEqual([
      "<p>r1 render 1</p>",
      "<p>r1 render 1</p>",
      "<p>r1 render 2</p>",
    ]);
    expect(state.renders).toBe(2);
  });

  it("re-renders an expired page in the background: no request waits for it", async () => {
    const { state, app } = world(undefined, undefined, true);
    await app.request("http://localhost/");
    state.now = 1000;
    const answers = await Promise.all([1, 2, 3].map(() => app.request("http://localhost/")));
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(bodies).toEqual(["<p>r1 render 1</p>", "<p>r1 render 1</p>", "<p>r1 render 1</p>"]);
    expect(await eventually(() => body(app.request("http://localhost/")))).toBe(
      "<p>r1 render 2</p>",
    );
    expect(state.renders).toBe(2);
  });

  it("serves the previous rendering while a tick's outcome re-renders, within the bound", async () => {
    const { state, readModel, app } = world(undefined, undefined, true);
    await app.request("http://localhost/");
    state.outcome = "blocked";
    await readModel.refresh();
    const during = await app.request("http://localhost/");
    expect(await during.text()).toBe("<p>r1 render 1</p>");
    expect(await eventually(() => body(app.request("http://localhost/")))).toBe(
      "<p>r1 render 2 blocked</p>",
    );

    // Past the bound after a change, nothing older is served: the request waits.
    state.outcome = "failing";
    await readModel.refresh();
    state.now = PAGE_STALE_AFTER_CHANGE_MS;
    expect(await (await app.request("http://localhost/")).text()).toBe(
      "<p>r1 render 3 failing</p>",
    );
    // Nor a rendering two changes behind.
    state.outcome = "idle";
    await readModel.refresh();
    state.outcome = "blocked";
    await readModel.refresh();
    expect(await (await app.request("http://localhost/")).text()).toBe(
      "<p>r1 render 4 blocked</p>",
    );
  });

  it("never serves a rendering from before a flip: requests wait for one that shows it", async () => {
    const { state, readModel, app } = world(undefined, undefined, true);
    await app.request("http://localhost/");
    state.version = "r2";
    await readModel.refresh();
    const answers = await Promise.all([1, 2].map(() => app.request("http://localhost/")));
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(bodies).toEqual(["<p>r2 render 2</p>", "<p>r2 render 2</p>"]);
  });

  it("never hands a rendering begun before a flip to requests after it, nor keeps it over a later one", async () => {
    const { state, readModel, app } = world();
    let open = () => {};
    state.gate = new Promise((resolve) => (open = resolve));
    const before = app.request("/");
    await new Promise((resolve) => setTimeout(resolve, 5));
    state.version = "r2";
    await readModel.refresh();
    state.gate = null;
    const after = app.request("/");
    await new Promise((resolve) => setTimeout(resolve, 5));
    open();
    expect(await (await after).text()).toBe("<p>r2 render 2</p>");
    expect(await (await before).text()).toBe("<p>r1 render 1</p>");
    expect(await (await app.request("/")).text()).toBe("<p>r2 render 2</p>");
    expect(state.renders).toBe(2);
  });

  it("never keeps errors or views outside the read model", async () => {
    const { state, app } = world();
    expect((await app.request("/channels/nope")).headers.get("ETag")).toBeNull();
    await app.request("/api/v1/prs/1");
    await app.request("/api/v1/prs/1");
    expect(state.renders).toBe(2);
  });

  it("serves each rendering compressed as the client accepts, compressing it once", async () => {
    let encodes = 0;
    const counting: EncodeBody = (body) => {
      encodes++;
      return encodeBodyNode(body);
    };
    const { app } = world(undefined, counting);
    const br = await app.request("/", { headers: { "Accept-Encoding": "gzip, deflate, br" } });
    expect(br.headers.get("Content-Encoding")).toBe("br");
    expect(br.headers.get("Vary")).toBe("Accept-Encoding");
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(brotliDecompressSync(brBytes).toString()).toBe("<p>r1 render 1</p>");
    const gz = await app.request("/", { headers: { "Accept-Encoding": "gzip" } });
    expect(gz.headers.get("Content-Encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe("<p>r1 render 1</p>");
    const plain = await app.request("/", { headers: { "Accept-Encoding": "br;q=0, identity" } });
    expect(plain.headers.get("Content-Encoding")).toBeNull();
    expect(await plain.text()).toBe("<p>r1 render 1</p>");
    expect(encodes).toBe(1);
    // Each coding has its own strong tag, and any of them revalidates the rendering.
    const tags = [br, gz, plain].map((r) => r.headers.get("ETag") ?? "");
    expect(new Set(tags).size).toBe(3);
    expect(tags[0]).toMatch(/^"[0-9a-f]{24}-br"$/);
    const revalidated = await app.request("/", {
      headers: { "If-None-Match": tags[0] ?? "", "Accept-Encoding": "gzip" },
    });
    expect(revalidated.status).toBe(304);
  });
});
