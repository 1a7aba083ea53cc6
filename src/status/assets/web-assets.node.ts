import { existsSync, readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Logger } from "../../log.ts";
import { projectPath } from "../../project-path.node.ts";
import { noWebAssets, parseWebAssets, type WebAssets } from "./web-assets.ts";

/** Where `npm run build:web` (web/build.node.ts) writes the bundle. */
export const WEB_ASSETS_FILE = projectPath("dist", "web", "web-assets.txt");

const loaded = new Map<string, WebAssets>();

/**
 * The built front end with brotli and gzip bodies made once per process (they cost ~0.5 s);
 * none built: pages without it.
 */
export function loadWebAssets(logger: Logger, file = WEB_ASSETS_FILE): WebAssets {
  const kept = loaded.get(file);
  if (kept) return kept;
  if (!existsSync(file)) {
    logger.warn("front end not built: pages are served without styles and charts", {
      step: "assets",
      file,
      fix: "npm run build:web",
    });
    return noWebAssets;
  }
  const assets = parseWebAssets(readFileSync(file, "utf8"), (body) => ({
    br: new Uint8Array(
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    ),
    gzip: new Uint8Array(gzipSync(body, { level: 9 })),
  }));
  loaded.set(file, assets);
  return assets;
}
