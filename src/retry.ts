import { AppError } from "./errors.ts";

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs?: number;
  isRetryable?: (err: unknown) => boolean;
  /** An error may ask for a specific wait (HTTP Retry-After); it replaces the backoff for that attempt. */
  waitHintMs?: (err: unknown) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const defaultRetryable = (err: unknown) => err instanceof AppError && err.retryable;

/** The one retry helper: exponential backoff with full jitter, only for errors marked retryable. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const isRetryable = opts.isRetryable ?? defaultRetryable;
  const wait = opts.sleep ?? sleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.attempts || !isRetryable(err)) throw err;
      const cap = Math.min(opts.maxMs ?? 30_000, opts.baseMs * 2 ** (attempt - 1));
      await wait(opts.waitHintMs?.(err) ?? Math.floor(random() * cap));
    }
  }
}
