import { z } from "zod";
import { type DownloadBudget, refuseOversized } from "../download-limits.ts";
import { AppError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { sleep as realSleep, retry } from "../retry.ts";
import type { HydraApi, JobRef } from "./hydra-api.ts";
import {
  discard,
  HydraRequestError,
  parseBody,
  readCapped,
  statusError,
  transportError,
} from "./hydra-response.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limiter.ts";
import { HydraBuild, HydraEval, HydraJobsetOverview, HydraLatestBuild } from "./schemas.ts";

export interface HydraClientOptions {
  baseUrl: string;
  /** Name the service and a contact: hydra.nixos.org feeds garbage to anonymous clients. */
  userAgent: string;
  requestsPerSecond?: number;
  /** Per request; for downloads, until the headers arrive and then between chunks. */
  timeoutMs?: number;
  attempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown for the next tick. */
  maxRetryAfterMs?: number;
  /** JSON bodies larger than this are refused rather than buffered. */
  maxBodyBytes?: number;
  fetch?: typeof fetch;
  /** Waits between attempts (backoff and Retry-After). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Share one limiter between clients of the same host; by default each client paces itself. */
  limiter?: RateLimiter;
  logger?: Logger;
}

const MAX_REDIRECTS = 3;
const BUILD_PATH = /\/build\/(\d+)(?:\/|$)/;

export function createHydraClient(opts: HydraClientOptions): HydraApi {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const maxBodyBytes = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const now = opts.now ?? Date.now;
  const log = opts.logger ?? silentLogger;
  const limiter =
    opts.limiter ?? createRateLimiter({ requestsPerSecond: opts.requestsPerSecond ?? 2 });
  const headers = { Accept: "application/json", "User-Agent": opts.userAgent };

  const send = async (url: string, redirect: RequestRedirect, signal: () => AbortSignal) => {
    await limiter.acquire();
    try {
      return await doFetch(url, { headers, redirect, signal: signal() });
    } catch (err) {
      throw transportError(err, url);
    }
  };

  const withRetry = <T>(url: string, attemptFn: () => Promise<T>): Promise<T> =>
    retry(
      async (attempt) => {
        try {
          return await attemptFn();
        } catch (err) {
          const failure = err instanceof AppError ? err : transportError(err, url);
          log.warn("hydra request failed", {
            url,
            attempt,
            code: failure.code,
            msg: failure.message,
          });
          throw failure;
        }
      },
      {
        attempts: opts.attempts ?? 4,
        baseMs: opts.baseBackoffMs ?? 1000,
        maxMs: opts.maxBackoffMs,
        sleep: opts.sleep ?? realSleep,
        random: opts.random,
        isRetryable: (err) =>
          err instanceof AppError &&
          err.retryable &&
          !(err instanceof HydraRequestError && (err.retryAfterMs ?? 0) > maxRetryAfterMs),
        waitHintMs: (err) => (err instanceof HydraRequestError ? err.retryAfterMs : undefined),
      },
    );

  const getJson = <S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> => {
    const url = base + path;
    return withRetry(url, async () => {
      const res = await send(url, "follow", () => AbortSignal.timeout(timeoutMs));
      if (!res.ok) throw await statusError(res, url, now());
      const text = await readCapped(res, maxBodyBytes, url);
      return parseBody(text, schema, url, res.headers.get("content-type"));
    });
  };

  /** Follows a 302 to `/build/<id>` without fetching it; 301s (renamed jobsets) are followed. */
  const redirectedBuildId = (path: string): Promise<number | null> =>
    withRetry(base + path, async () => {
      let url = base + path;
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const res = await send(url, "manual", () => AbortSignal.timeout(timeoutMs));
        if (res.status === 404) return discard(res, null);
        if (!isRedirect(res.status)) {
          if (!res.ok) throw await statusError(res, url, now());
          await discard(res, null);
          throw badRedirect(
            url,
            res.status,
            `expected a redirect to /build/<id>, got ${res.status}`,
          );
        }
        const location = res.headers.get("location");
        await discard(res, null);
        if (!location) throw badRedirect(url, res.status, "redirect without a Location header");
        const target = URL.parse(location, url);
        if (!target) throw badRedirect(url, res.status, `unreadable Location ${location}`);
        const id = Number(BUILD_PATH.exec(target.pathname)?.[1]);
        if (Number.isSafeInteger(id) && id > 0) return id;
        // Only a permanent redirect (a renamed jobset) may lead on to another redirect endpoint.
        if (res.status !== 301 && res.status !== 308) {
          throw badRedirect(url, res.status, `redirect to ${target.href}, not to a build`);
        }
        url = target.href;
      }
      throw badRedirect(url, 0, `more than ${MAX_REDIRECTS} redirects`);
    });

  const download = (buildId: number, productNr: string, name: string, budget?: DownloadBudget) => {
    const url = `${base}/build/${positiveInt(buildId)}/download/${enc(productNr)}/${enc(name)}`;
    return withRetry(url, async () => {
      const abort = new AbortController();
      const timeout = () => abort.abort(new DOMException("Hydra did not answer", "TimeoutError"));
      // The overall deadline's reason (a typed, non-retryable error) ends the attempt and the retries.
      const deadline = () => abort.abort(budget?.signal.reason);
      budget?.signal.addEventListener("abort", deadline, { once: true });
      if (budget?.signal.aborted) deadline();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const res = await send(url, "follow", () => {
          timer = setTimeout(timeout, timeoutMs);
          return abort.signal;
        });
        if (!res.ok) throw await statusError(res, url, now());
        if (budget) await refuseOversized(res, budget, `Hydra ${url}`);
        return withIdleTimeout(res.body ?? new Blob([]).stream(), timeoutMs, timeout, url);
      } catch (err) {
        budget?.signal.removeEventListener("abort", deadline);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    });
  };

  return {
    latestFinished: (job: JobRef) =>
      redirectedBuildId(
        `/job/${enc(job.project)}/${enc(job.jobset)}/${enc(job.job)}/latest-finished`,
      ),
    latestBuilds: async (job: JobRef, nr: number) => {
      const query = new URLSearchParams({
        nr: String(positiveInt(nr)),
        project: job.project,
        jobset: job.jobset,
        job: job.job,
      });
      const builds = await getJson(`/api/latestbuilds?${query}`, z.array(HydraLatestBuild));
      return builds.sort((a, b) => b.id - a.id);
    },
    build: async (buildId: number) =>
      sameId(
        await getJson(`/build/${positiveInt(buildId)}`, HydraBuild),
        buildId,
        `${base}/build/${buildId}`,
      ),
    constituents: async (aggregateId: number) =>
      getJson(`/build/${positiveInt(aggregateId)}/constituents`, z.array(HydraBuild)),
    evaluation: async (evalId: number) =>
      sameId(
        await getJson(`/eval/${positiveInt(evalId)}`, HydraEval),
        evalId,
        `${base}/eval/${evalId}`,
      ),
    evalJobBuildId: async (evalId: number, job: string) =>
      redirectedBuildId(`/eval/${positiveInt(evalId)}/job/${enc(job)}`),
    jobsets: (project: string) =>
      getJson(`/api/jobsets?${new URLSearchParams({ project })}`, z.array(HydraJobsetOverview)),
    storePaths: (evalId: number) =>
      getJson(`/eval/${positiveInt(evalId)}/store-paths`, z.array(z.string())),
    download: async (buildId: number, productNr: string, name: string, budget?: DownloadBudget) =>
      download(buildId, productNr, name, budget),
    buildUrl: (buildId: number) => `${base}/build/${buildId}`,
    evalUrl: (evalId: number) => `${base}/eval/${evalId}`,
  };
}

const enc = encodeURIComponent;
const isRedirect = (status: number) => status >= 300 && status < 400;

function positiveInt(value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new AppError("HYDRA_BAD_ARGUMENT", `expected a positive integer, got ${value}`);
  }
  return value;
}

function sameId<T extends { id: number }>(body: T, expected: number, url: string): T {
  if (body.id === expected) return body;
  throw new HydraRequestError(
    "HYDRA_BAD_SHAPE",
    `Hydra ${url}: id: expected ${expected}, got ${body.id}`,
    {
      retryable: false,
      url,
    },
  );
}

function badRedirect(url: string, status: number, why: string): HydraRequestError {
  return new HydraRequestError("HYDRA_BAD_REDIRECT", `Hydra ${url}: ${why}`, {
    retryable: false,
    url,
    status,
  });
}

/** Passes the body through, failing with HYDRA_TIMEOUT when no chunk arrives for `idleMs`. */
function withIdleTimeout(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  abort: () => void,
  url: string,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const timer = setTimeout(abort, idleMs);
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(transportError(err, url));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
