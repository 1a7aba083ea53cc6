import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsFolder } from "../../src/db/migrate.node.ts";

const pglitePackageJson = fileURLToPath(
  new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url),
);

/**
 * A short hash of every file under migrations/ and of the installed PGlite version: a template
 * built from other migrations, or a data dir in another PGlite's format, gets another key.
 */
export function migrationsKey(): string {
  const hash = createHash("sha256");
  for (const file of filesUnder(migrationsFolder)) {
    hash.update(relative(migrationsFolder, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  hash.update(readFileSync(pglitePackageJson));
  return hash.digest("hex").slice(0, 16);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}
