import { createHash, randomUUID } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { isProcessAlive, type ProcessIdentity, thisProcess } from "../process-liveness.node.ts";

// A temp file nobody can vouch for (another host's, or from before names were tagged) is
// abandoned once untouched this long: a live writer writes or gives up far sooner.
const UNKNOWN_WRITER_STALE_MS = 10 * 60_000;
const TAGGED = /\.(\d+)-(\d+|x)-([0-9a-f]{8})(?:\.meta)?\.tmp$/;

const hostTag = (host: string) => createHash("sha256").update(host).digest("hex").slice(0, 8);

let writerTag: string | undefined;
function thisWriter(): string {
  const me = thisProcess();
  writerTag ??= `${me.pid}-${me.startTicks ?? "x"}-${hostTag(me.host)}`;
  return writerTag;
}

/**
 * The temp file a put of `name` writes first, in the object's folder (so the rename stays on one
 * filesystem). It names its process, so that a sweep can tell a crashed writer's file.
 */
export function tempPath(dir: string, name: string, kind: "object" | "meta"): string {
  const suffix = kind === "meta" ? "meta.tmp" : "tmp";
  return join(dir, `.${name}.${randomUUID()}.${thisWriter()}.${suffix}`);
}

function writerOf(fileName: string): ProcessIdentity | "unknown" {
  const m = TAGGED.exec(fileName);
  if (!m?.[1] || !m[2] || !m[3]) return "unknown";
  const here = hostname();
  return {
    pid: Number(m[1]),
    startTicks: m[2] === "x" ? null : m[2],
    host: m[3] === hostTag(here) ? here : "elsewhere",
  };
}

/**
 * Removes the temp files of puts whose process died (SIGKILL, power loss) under `rootDir`, and any
 * temp file untouched for long; a live process's are left alone, so replicas sharing the folder
 * can start at any time. Returns how many went.
 */
export async function sweepAbandonedTemps(rootDir: string, now = Date.now()): Promise<number> {
  const entries = await readdir(rootDir, { recursive: true, withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.startsWith(".") || !entry.name.endsWith(".tmp")) continue;
    const path = join(entry.parentPath, entry.name);
    const writer = writerOf(entry.name);
    const alive = writer === "unknown" ? null : isProcessAlive(writer);
    if (alive === true) continue;
    if (alive === null) {
      const touched = await stat(path).then(
        (s) => s.mtimeMs,
        () => now,
      );
      if (now - touched < UNKNOWN_WRITER_STALE_MS) continue;
    }
    const gone = await rm(path, { force: true }).then(
      () => true,
      () => false,
    );
    if (gone) removed++;
  }
  return removed;
}
