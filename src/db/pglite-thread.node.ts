import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

/** The file name the socket directory holds: what libpq and postgres.js look for in `host`. */
const SOCKET_FILE = ".s.PGSQL.5432";
const WORKER_FILE = "pglite-server.node.mjs";
// A worker's start (PGlite's WASM and the data dir's recovery) on a busy 2-core machine.
const START_TIMEOUT_MS = 120_000;
const CLOSE_TIMEOUT_MS = 60_000;

export interface PgliteThread {
  /** How postgres.js reaches the thread: its Unix socket (PGlite's only role is `postgres`). */
  connection: { url: string; path: string };
  /** Stops serving, closes PGlite (its data dir is consistent afterwards), ends the thread. */
  stop(): Promise<void>;
  /** Settles when the thread ended without `stop`: every query fails from then on. */
  lost: Promise<Error>;
  /** Ends the thread at once, as a crash would (tests). */
  kill(): Promise<void>;
}

type WorkerMessage =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "closed"; error?: string };

/**
 * PGlite in a worker thread, serving PostgreSQL's wire protocol on a Unix socket in a fresh
 * directory only this user can enter: queries then run beside the event loop instead of on it (a
 * year of history made single queries stall every request for up to seconds), and the embedded
 * database is reached exactly as a PostgreSQL server is, through postgres.js.
 */
export async function startPgliteThread(opts: {
  /** Where its files are; none: in memory. */
  dataDir?: string;
  /** A dump to start an in-memory database from. */
  loadDataDir?: Uint8Array;
  startParams: string[];
}): Promise<PgliteThread> {
  // mkdtemp makes it 0700; the socket's own mode is not portable.
  const socketDir = mkdtempSync(join(tmpdir(), "floodgate-pglite-"));
  const socketPath = join(socketDir, SOCKET_FILE);
  const worker = new Worker(workerUrl(), { workerData: { ...opts, socketPath } });
  const removeDir = () => rmSync(socketDir, { recursive: true, force: true });
  try {
    await nextMessage(worker, "ready", START_TIMEOUT_MS);
  } catch (err) {
    await worker.terminate();
    removeDir();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  let exited = false;
  // Settles only if the thread ends on its own (a WASM abort, an uncaught error): never on `stop`.
  const lost = new Promise<Error>((resolve) => {
    worker.once("error", (err) => {
      if (!stopping) resolve(err);
    });
    worker.once("exit", (code) => {
      exited = true;
      if (!stopping) resolve(new Error(`the PGlite thread exited (code ${code})`));
    });
  });
  return {
    connection: { url: "postgres://postgres@localhost/postgres", path: socketPath },
    lost,
    stop: () => {
      stopping ??= (async () => {
        try {
          if (exited) return;
          worker.postMessage({ type: "close" });
          await nextMessage(worker, "closed", CLOSE_TIMEOUT_MS);
        } finally {
          await worker.terminate();
          removeDir();
        }
      })();
      return stopping;
    },
    kill: async () => {
      await worker.terminate();
    },
  };
}

/** Beside this module in the sources, beside the bundle in dist/cli (bin/build-cli.node.ts copies it). */
function workerUrl(): URL {
  return new URL(`./${WORKER_FILE}`, import.meta.url);
}

function nextMessage(worker: Worker, type: "ready" | "closed", timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`PGlite thread: no ${type} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: WorkerMessage) => {
      if (message.type === type)
        finish(message.type === "closed" && message.error ? new Error(message.error) : undefined);
      else if (message.type === "error") finish(new Error(`PGlite thread: ${message.message}`));
    };
    const onError = (err: Error) => finish(err);
    const onExit = (code: number) =>
      finish(new Error(`PGlite thread exited (${code}) before ${type}`));
    function finish(err?: Error) {
      clearTimeout(timer);
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      if (err) reject(err);
      else resolve();
    }
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  });
}
