import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { compressAnswers } from "./compress-answers.ts";

const answer = { items: Array.from({ length: 100 }, (_, i) => ({ i, name: `item ${i}` })) };
const app = new Hono();
app.use(compressAnswers());
app.get("/big", (c) => c.json(answer));
app.get("/origin", (c) => {
  c.header("Vary", "Origin");
  return c.json(answer);
});

describe("compressAnswers", () => {
  it("answers a client that asks for no coding as it is, varying on Accept-Encoding once", async () => {
    const res = await app.request("/big");
    expect(res.headers.get("Content-Encoding")).toBeNull();
    expect(res.headers.get("Vary")).toBe("Accept-Encoding");
    expect(await res.json()).toEqual(answer);
  });

  it("gzips for a client that accepts it, with the same Vary", async () => {
    const res = await app.request("/big", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.headers.get("Content-Encoding")).toBe("gzip");
    expect(res.headers.get("Vary")).toBe("Accept-Encoding");
    const body = gunzipSync(new Uint8Array(await res.arrayBuffer())).toString();
    expect(JSON.parse(body)).toEqual(answer);
  });

  it("keeps a route's own Vary and adds Accept-Encoding to it", async () => {
    const res = await app.request("/origin", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.headers.get("Vary")).toBe("Origin, Accept-Encoding");
    expect(res.headers.get("Content-Encoding")).toBe("gzip");
  });
});
