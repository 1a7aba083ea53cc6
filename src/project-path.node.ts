import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The floodgate checkout: the nearest folder above this module with a package.json. Found by
 * walking up rather than by a fixed `../..`, so the path is the same from the sources and from the
 * CLI bundle in dist/cli, where this module sits at another depth.
 */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

const projectRoot = findProjectRoot();

/** A path inside the floodgate checkout (migrations, the built front end). */
export const projectPath = (...segments: string[]): string => join(projectRoot, ...segments);
