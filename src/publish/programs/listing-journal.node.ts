import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import type { ListingJournal } from "./listing-journal.ts";
import type { ListingResult } from "./read-listing.ts";

const Line = z.union([
  z.object({ path: z.string(), programs: z.array(z.string()) }),
  z.object({ path: z.string(), missing: z.string() }),
]);
type Line = z.infer<typeof Line>;

/**
 * A journal in one JSON-lines file per channel, appended to as listings arrive; a line cut
 * short by a crash is ignored on the next open (that listing is simply fetched again).
 */
export async function openFileListingJournal(
  file: string,
  release: string,
): Promise<ListingJournal> {
  const seen = new Map<string, Line>();
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  for (const raw of text.split("\n")) {
    const line = parseLine(raw);
    if (line) seen.set(line.path, line);
  }
  await mkdir(dirname(file), { recursive: true });
  const lineOf = (hash: string, result: ListingResult): Line =>
    result.kind === "missing"
      ? { path: hash, missing: release }
      : { path: hash, programs: result.programs };

  return {
    lookup(hash) {
      const line = seen.get(hash);
      if (!line) return undefined;
      if ("programs" in line) return { kind: "programs", programs: line.programs };
      return line.missing === release ? { kind: "missing" } : undefined;
    },
    async record(hash, result) {
      const line = lineOf(hash, result);
      seen.set(hash, line);
      await appendFile(file, `${JSON.stringify(line)}\n`);
    },
    async finish(used) {
      const kept = [...new Set(used)].flatMap((hash) => {
        const line = seen.get(hash);
        return line ? [`${JSON.stringify(line)}\n`] : [];
      });
      await writeFile(`${file}.tmp`, kept.join(""));
      await rename(`${file}.tmp`, file);
    },
  };
}

function parseLine(raw: string): Line | null {
  if (raw.trim() === "") return null;
  try {
    const parsed = Line.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
