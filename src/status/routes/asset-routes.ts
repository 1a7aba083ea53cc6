import { Hono } from "hono";
import { ASSET_CACHE_CONTROL, type WebAssets } from "../assets/web-assets.ts";
import { pickEncoding } from "./content-coding.ts";

/** `GET /assets/{name}`: the front end's hashed files, cached for good. */
export function assetRoutes(assets: WebAssets): Hono {
  return new Hono().get("/assets/:name", (c) => {
    const file = assets.file(c.req.param("name"));
    if (!file) return c.json({ error: { code: "NOT_FOUND", message: "no such asset" } }, 404);
    const headers: Record<string, string> = {
      "Content-Type": file.contentType,
      "Cache-Control": ASSET_CACHE_CONTROL,
      Vary: "Accept-Encoding",
    };
    const picked = pickEncoding(c.req.header("Accept-Encoding"), file.encoded);
    if (!picked) return c.body(file.body, 200, headers);
    return c.body(picked.body, 200, { ...headers, "Content-Encoding": picked.coding });
  });
}
