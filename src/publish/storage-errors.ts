import { AppError, errorMessage } from "../errors.ts";

/** Where floodgate writes on disk, for messages that say which space ran out. */
export type DiskSpaceKind = "release storage" | "programs index scratch space";

const FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);
// Child processes (tar, xz, nix-env) report a full disk only in their stderr.
const FULL_TEXT = /No space left on device|Disk quota exceeded/i;

/** The `code` of a Node system error (`ENOSPC`, `ENOENT`, …), if `err` is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "string" ? err.code : undefined;
}

/** Whether `err` (or anything in its cause chain) says the disk or a quota is full. */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; depth++) {
    const code = errnoCode(e);
    if (code && FULL_CODES.has(code)) return true;
    if (e instanceof Error && FULL_TEXT.test(e.message)) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/**
 * A full disk as a typed error that names the space and the path, e.g. "disk full (ENOSPC):
 * release storage /srv/releases has no room for nixos/…/nixexprs.tar.xz". Retryable: freeing
 * space is enough, and the step backs off meanwhile.
 */
export function diskFullError(
  kind: DiskSpaceKind,
  path: string,
  what: string,
  cause: unknown,
  freeBytes?: number,
): AppError {
  const errno = errnoCode(cause) ?? "ENOSPC";
  // A tool that only said "disk I/O error" (SQLite) is known full by the space left, not an errno.
  const why = freeBytes === undefined ? errno : `${freeBytes} bytes free`;
  return new AppError("STORAGE_FULL", `disk full (${why}): ${kind} ${path} has no room ${what}`, {
    retryable: true,
    cause,
    context: { kind, path, errno, freeBytes },
  });
}

/** The end of a tool's long error text, on one line: where it says what went wrong. */
export function briefly(text: string, max = 240): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `…${line.slice(-max)}`;
}

/** A storage failure as a typed error; a full disk says so instead of the raw errno. */
export function storageError(
  fallback: string,
  message: string,
  cause: unknown,
  where: { kind: DiskSpaceKind; path: string; key: string },
): AppError {
  if (cause instanceof AppError) return cause;
  if (isDiskFull(cause)) return diskFullError(where.kind, where.path, `for ${where.key}`, cause);
  const reason = errnoCode(cause) ?? errorMessage(cause);
  return new AppError(fallback, `${message}: ${reason}`, { cause, context: { key: where.key } });
}
