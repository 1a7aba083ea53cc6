import { Hono } from "hono";
import { ASSET_CACHE_CONTROL, type WebAssetFile, type WebAssets } from "../assets/web-assets.ts";

/** The best content coding the client accepts that the file has (brotli before gzip). */
function pickEncoding(accept: string | undefined, encoded: WebAssetFile["encoded"]) {
  const accepted = new Set((accept ?? "").split(",").map((t) => t.split(";")[0]?.trim()));
  for (const coding of ["br", "gzip"] as const) {
    const body = encoded[coding];
    if (body && accepted.has(coding)) return { coding, body };
  }
  return null;
}

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
