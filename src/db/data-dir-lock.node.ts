import { randomBytes } from "node:crypto";
import {
  linkSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { DataDirBusyError, type DataDirOwner } from "../errors.ts";
import { isProcessAlive, thisProcess } from "../process-liveness.node.ts";

export interface DataDirLock {
  owner: DataDirOwner;
  /** Rewrites the lock with how other processes can reach the owner (serve's control endpoint). */
  advertise(control: NonNullable<DataDirOwner["control"]>): void;
  release(): void;
}

// The owner touches the lock this often; a lock from another host untouched for FOREIGN_STALE_MS is
// stale (its pid cannot be checked from here, e.g. two containers sharing a volume).
const HEARTBEAT_MS = 30_000;
const FOREIGN_STALE_MS = 5 * 60_000;
const RETRY_MS = 100;

/**
 * Takes the lock file at `path` for this process, waiting up to `waitMs` while another live
 * process holds it (not at all when the holder is a server that others can go through). A lock
 * whose process is gone (SIGKILL, power loss, a reused pid) is taken over.
 */
export async function acquireDataDirLock(
  path: string,
  opts: { command: string; waitMs: number },
): Promise<DataDirLock> {
  const me: DataDirOwner = {
    ...thisProcess(),
    command: opts.command,
    since: new Date().toISOString(),
    nonce: randomBytes(8).toString("hex"),
  };
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const holder = tryAcquire(path, me);
    if (holder === "acquired") return holdLock(path, me);
    if (holder?.control || Date.now() >= deadline) throw new DataDirBusyError(path, holder);
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

/** "acquired", or the live holder (null when its file cannot be read, e.g. another user's). */
function tryAcquire(path: string, me: DataDirOwner): "acquired" | DataDirOwner | null {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, me)) return "acquired";
    const holder = readOwner(path);
    if (holder === "gone") continue;
    if (holder === "unreadable") return null;
    if (holder !== "corrupt" && isAlive(holder, path)) return holder;
    removeStale(path, holder === "corrupt" ? null : holder.nonce, me.nonce);
  }
  return null;
}

// link(2) publishes a complete file atomically and fails if the name exists: no half-written lock.
function createExclusive(path: string, owner: DataDirOwner): boolean {
  const draft = `${path}.${owner.nonce}`;
  writeFileSync(draft, JSON.stringify(owner), { mode: 0o600 });
  try {
    linkSync(draft, path);
    return true;
  } catch (err) {
    if (errnoOf(err) === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(draft);
  }
}

function readOwner(path: string): DataDirOwner | "gone" | "unreadable" | "corrupt" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return errnoOf(err) === "ENOENT" ? "gone" : "unreadable";
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isOwner(parsed) ? parsed : "corrupt";
  } catch {
    return "corrupt";
  }
}

function isOwner(value: unknown): value is DataDirOwner {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.pid === "number" && typeof v.host === "string" && typeof v.nonce === "string";
}

function isAlive(owner: DataDirOwner, path: string): boolean {
  const alive = isProcessAlive(owner);
  if (alive !== null) return alive;
  const touched = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return Date.now() - touched < FOREIGN_STALE_MS;
}

/**
 * Moves the stale lock aside and checks that what moved is the one judged stale: when two processes
 * take over at once, the slower one may have moved the winner's fresh lock, and puts it back.
 */
function removeStale(path: string, staleNonce: string | null, myNonce: string): void {
  const aside = `${path}.stale-${myNonce}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return;
    throw err;
  }
  const moved = readOwner(aside);
  const movedNonce = typeof moved === "object" ? moved.nonce : null;
  if (movedNonce !== staleNonce) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if (errnoOf(err) !== "EEXIST") throw err;
    }
  }
  unlinkSync(aside);
}

function holdLock(path: string, me: DataDirOwner): DataDirLock {
  let owner = me;
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // A missing lock is reported by the next command that opens the dir; nothing to do here.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const release = () => {
    clearInterval(heartbeat);
    process.off("exit", release);
    const current = readOwner(path);
    if (typeof current === "object" && current.nonce === me.nonce) unlinkSync(path);
  };
  // Covers process.exit() and uncaught errors; a SIGKILL leaves the file, which the next owner takes over.
  process.on("exit", release);
  return {
    get owner() {
      return owner;
    },
    advertise(control) {
      owner = { ...me, control };
      const draft = `${path}.${me.nonce}`;
      writeFileSync(draft, JSON.stringify(owner), { mode: 0o600 });
      renameSync(draft, path);
    },
    release,
  };
}

function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}
