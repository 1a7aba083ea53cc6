import { copyFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Where bin/floodgate.js looks for the bundle. */
export const CLI_BUNDLE = fileURLToPath(new URL("../dist/cli/floodgate.mjs", import.meta.url));

/**
 * Bundles floodgate's own TypeScript (src/entry/node.ts and what it imports) into one ES module;
 * packages stay in node_modules, so PGlite's WASM and the other packages' files load as they do
 * from the sources. Starting from it takes ~0.7 s of CPU instead of ~3 s through tsx, which every
 * `floodgate tick` from cron and every CLI call in the tests pays.
 */
export async function buildCli(outFile = CLI_BUNDLE): Promise<void> {
  // Written beside and renamed: a floodgate starting meanwhile never imports half a file.
  const partial = `${outFile}.${process.pid}.partial`;
  await build({
    entryPoints: [fileURLToPath(new URL("../src/entry/node.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: partial,
    logLevel: "warning",
  });
  // The PGlite thread's entry, found beside the bundle as beside its sources (pglite-thread.node.ts).
  const worker = fileURLToPath(new URL("../src/db/pglite-server.node.mjs", import.meta.url));
  copyFileSync(worker, join(dirname(outFile), "pglite-server.node.mjs"));
  renameSync(partial, outFile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
