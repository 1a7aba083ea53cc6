import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { WEB_ASSETS_FILE } from "../src/status/assets/web-assets.node.ts";
import type { WebAssetsBundle, WebEntry } from "../src/status/assets/web-assets.ts";

const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * Bundles web/main.ts (chart.js from node_modules) and web/style.css into content-hashed files and
 * writes them, with the entry → file map, to one text file that Node reads and the Worker imports.
 */
export async function buildWeb(outFile = WEB_ASSETS_FILE): Promise<WebAssetsBundle> {
  const result = await build({
    entryPoints: [join(WEB_DIR, "main.ts"), join(WEB_DIR, "style.css")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    entryNames: "[name]-[hash]",
    outdir: join(WEB_DIR, "out"),
    write: false,
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const entries: Partial<Record<WebEntry, string>> = {};
  const files: WebAssetsBundle["files"] = [];
  for (const out of result.outputFiles) {
    const name = basename(out.path);
    const ext = name.slice(name.lastIndexOf("."));
    const contentType = CONTENT_TYPES[ext];
    if (!contentType) throw new Error(`web build: unexpected output ${name}`);
    entries[ext === ".js" ? "main.js" : "style.css"] = name;
    files.push({ name, contentType, body: out.text });
  }
  // The icon is copied as it is, named by its content like the bundles.
  const icon = readFileSync(join(WEB_DIR, "icon.svg"), "utf8");
  const iconName = `icon-${createHash("sha256").update(icon).digest("hex").slice(0, 8)}.svg`;
  entries["icon.svg"] = iconName;
  files.push({ name: iconName, contentType: "image/svg+xml", body: icon });
  const bundle: WebAssetsBundle = { entries, files };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(bundle));
  return bundle;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bundle = await buildWeb();
  for (const f of bundle.files) {
    process.stdout.write(`${f.name} ${(Buffer.byteLength(f.body) / 1024).toFixed(1)} KiB\n`);
  }
}
