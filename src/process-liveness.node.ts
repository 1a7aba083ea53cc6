import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Who wrote something on disk: enough to tell later whether that process still runs. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Linux's start time of the process; tells a reused pid from the original. */
  startTicks: string | null;
}

export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, host: hostname(), startTicks: processStartTicks(process.pid) };
}

/**
 * Whether a process on this host still runs: false when its pid is gone or now belongs to a
 * process started at another time. A process on another host cannot be checked from here: null.
 */
export function isProcessAlive(who: ProcessIdentity): boolean | null {
  if (who.host !== hostname()) return null;
  try {
    process.kill(who.pid, 0);
  } catch (err) {
    if (errnoOf(err) === "ESRCH") return false;
  }
  const ticks = processStartTicks(who.pid);
  return !(ticks && who.startTicks && ticks !== who.startTicks);
}

/** Linux's start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may contain spaces, start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}
