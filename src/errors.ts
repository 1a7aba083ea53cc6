/** Every failure floodgate raises: a stable `code`, whether retrying may help, and context for logs. */
export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    opts: { retryable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.context = opts.context ?? {};
  }
}

export class ConfigError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super("BAD_CONFIG", message, { context });
  }
}

/** An upstream (Hydra, GitHub, storage) answered badly or not at all. */
export class UpstreamError extends AppError {
  constructor(
    code: string,
    message: string,
    opts: { retryable: boolean; url?: string; status?: number; cause?: unknown },
  ) {
    super(code, message, {
      retryable: opts.retryable,
      context: { url: opts.url, status: opts.status },
      cause: opts.cause,
    });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super("NOT_FOUND", message, { context });
  }
}

/** A request names something that cannot be done as asked (an unknown release, a missing reason). */
export class BadRequestError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super("BAD_REQUEST", message, { context });
  }
}

export class IntegrityError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super("INTEGRITY", message, { context });
  }
}

/** GitHub refused to move a channel branch: not a fast-forward, or it moved elsewhere. */
export class BranchRejectedError extends AppError {
  constructor(branch: string, message: string) {
    super("NOT_FAST_FORWARD", `${branch}: ${message}`, { context: { branch } });
  }
}

/** A row the code itself just wrote or leased is gone: the database changed under it. */
export class MissingRowError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super("MISSING_ROW", message, { context });
  }
}

export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // drizzle wraps the driver's error as "Failed query: <sql> params: …"; the driver's reason is the news.
  if (err.message.startsWith("Failed query:") && err.cause instanceof Error) {
    return `database query failed: ${err.cause.message}`;
  }
  return err.message;
}

export function errorCode(err: unknown): string {
  return err instanceof AppError ? err.code : "INTERNAL";
}

/** Not now: a limit (one client's, or the lookups' GitHub budget) says when to come back. */
export class RetryLaterError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(
    code: "RATE_LIMITED" | "LOOKUP_BUDGET_SPENT" | "LOOKUPS_PAUSED",
    message: string,
    retryAfterSeconds: number,
  ) {
    super(code, message, { retryable: true, context: { retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Who holds a data dir's lock file, as written in it. */
export interface DataDirOwner {
  pid: number;
  host: string;
  /** The process's start time (Linux), so a reused pid is not mistaken for the owner. */
  startTicks: string | null;
  command: string;
  since: string;
  nonce: string;
  /** Where a running `serve` takes `status` and `tick` from other processes. */
  control?: { url: string; token: string };
}

/** Another live process owns the embedded database; exit code 75 (EX_TEMPFAIL: try again later). */
export class DataDirBusyError extends AppError {
  readonly owner: DataDirOwner | null;

  constructor(lockPath: string, owner: DataDirOwner | null) {
    const who = owner
      ? `"floodgate ${owner.command}" (pid ${owner.pid} on ${owner.host}, since ${owner.since})`
      : "another process (its lock file cannot be read)";
    // A serve that has not advertised its control endpoint yet is still opening the database.
    const hint =
      owner?.command !== "serve"
        ? "try again when it has finished"
        : owner.control
          ? "stop it first, or share a PostgreSQL database (DATABASE_URL) between processes"
          : "it is still starting; try again in a moment";
    super("DATA_DIR_BUSY", `${lockPath.replace(/\.lock$/, "")} is in use by ${who}; ${hint}`, {
      context: { lockPath, pid: owner?.pid, command: owner?.command },
    });
    this.owner = owner;
  }
}

/** This tick no longer holds the channel's lease: another process took it, so the tick stops. */
export class LeaseLostError extends AppError {
  constructor(channel: string, owner: string | null) {
    super("LEASE_LOST", `${channel}: the lease was lost${owner ? ` to ${owner}` : ""}`, {
      context: { channel, owner },
    });
  }
}

/** GitHub accepted a branch update but its answer or a read-back shows another commit. */
export class BranchUnconfirmedError extends AppError {
  constructor(branch: string, message: string, context: Record<string, unknown> = {}) {
    super("BRANCH_UNCONFIRMED", `${branch}: ${message}`, {
      retryable: true,
      context: { branch, ...context },
    });
  }
}

/** An alert target (Slack, the webhook) refused or failed a delivery. */
export class AlertDeliveryError extends AppError {
  readonly status: number | null;
  /** The wait the target asked for (HTTP `Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | null;

  constructor(
    target: string,
    message: string,
    opts: { retryable: boolean; status?: number; retryAfterMs?: number | null; cause?: unknown },
  ) {
    super(`${target.toUpperCase()}_DELIVERY`, message, {
      retryable: opts.retryable,
      context: { target, status: opts.status },
      cause: opts.cause,
    });
    this.status = opts.status ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}
