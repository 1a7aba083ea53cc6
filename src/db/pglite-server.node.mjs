// @ts-check
/**
 * PGlite as a PostgreSQL server in a worker thread, on a Unix socket only its owner can reach
 * (see pglite-thread.node.ts). Plain JavaScript importing nothing of floodgate's: it runs as it is
 * from the sources (tsx, vitest) and beside the bundle (dist/cli).
 *
 * PGlite is one backend. Several connections share it one cycle at a time: a cycle runs from a
 * connection's first message to its Sync or simple Query, and on to the end of any transaction it
 * opened, so no connection's statements, portals or transaction interleave with another's.
 */
import { createServer } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Messages that end an extended-protocol cycle or are one on their own. */
const CYCLE_END = new Set(["S".charCodeAt(0), "Q".charCodeAt(0)]);
const TERMINATE = "X".charCodeAt(0);
const FLUSH_BYTES = 256 * 1024;

/** @type {{ dataDir?: string, loadDataDir?: Uint8Array, socketPath: string, startParams: string[] }} */
const options = workerData;
const port = parentPort;
if (!port) throw new Error("pglite-server.node.mjs runs only as a worker thread");

const pg = await PGlite.create(options.dataDir, {
  startParams: options.startParams,
  ...(options.loadDataDir ? { loadDataDir: new Blob([options.loadDataDir]) } : {}),
});

/** @typedef {{ socket: import("node:net").Socket, buffered: Buffer, started: boolean, queue: Uint8Array[], closed: boolean }} Connection */

/** The connection whose cycle holds the backend, and those waiting their turn. */
/** @type {Connection | null} */
let holder = null;
/** @type {Connection[]} */
const waiting = [];
/** @type {Set<Connection>} */
const connections = new Set();

const server = createServer((socket) => {
  /** @type {Connection} */
  const conn = { socket, buffered: Buffer.alloc(0), started: false, queue: [], closed: false };
  connections.add(conn);
  socket.setNoDelay(true);
  socket.on("data", (chunk) => {
    conn.buffered = Buffer.concat([conn.buffered, chunk]);
    frame(conn);
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => drop(conn));
});

/** Cuts the buffered bytes into whole messages, answering the pre-startup requests itself. */
function frame(conn) {
  for (;;) {
    const b = conn.buffered;
    if (!conn.started) {
      if (b.length < 8) return;
      const length = b.readInt32BE(0);
      if (b.length < length) return;
      const code = b.readInt32BE(4);
      conn.buffered = b.subarray(length);
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        conn.socket.write("N");
        continue;
      }
      if (code === CANCEL_REQUEST) return void conn.socket.end();
      conn.started = true;
      enqueue(conn, b.subarray(0, length));
      continue;
    }
    if (b.length < 5) return;
    const length = 1 + b.readInt32BE(1);
    if (b.length < length) return;
    conn.buffered = b.subarray(length);
    if (b[0] === TERMINATE) return void conn.socket.end();
    enqueue(conn, b.subarray(0, length));
  }
}

/** @param {Connection} conn @param {Uint8Array} message */
function enqueue(conn, message) {
  conn.queue.push(new Uint8Array(message));
  if (holder !== conn && !waiting.includes(conn)) waiting.push(conn);
  void pump();
}

let pumping = false;

/** Runs the holder's messages; at the end of its cycle outside a transaction, the next one's turn. */
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      holder ??= waiting.shift() ?? null;
      const conn = holder;
      if (!conn) return;
      const message = conn.queue.shift();
      if (!message) {
        // Mid-cycle or mid-transaction: the rest of this connection's messages are still coming.
        if (!conn.closed) return;
        // Gone: the backend is left as the connection found it.
        if (pg.isInTransaction()) await pg.exec("ROLLBACK").catch(() => undefined);
        holder = null;
        continue;
      }
      await execute(conn, message);
      if (CYCLE_END.has(message[0] ?? 0) && !pg.isInTransaction()) {
        holder = null;
        if (conn.queue.length > 0) waiting.push(conn);
      }
    }
  } finally {
    pumping = false;
  }
}

/** @param {Connection} conn @param {Uint8Array} message */
async function execute(conn, message) {
  // PGlite hands its answer over in many small pieces (a row each, or less): written one by one
  // they cost a system call each (1.7 s of this thread's 6 s under 300 cold lookups). Gathered,
  // up to FLUSH_BYTES at a time, so a large answer still streams.
  /** @type {Buffer[]} */
  let pieces = [];
  let length = 0;
  const flush = () => {
    if (length > 0 && !conn.closed) conn.socket.write(Buffer.concat(pieces, length));
    pieces = [];
    length = 0;
  };
  try {
    await pg.execProtocolRawStream(message, {
      // A view into PGlite's memory, reused by its next output: copied before it is kept.
      onRawData: (data) => {
        pieces.push(Buffer.from(data));
        length += data.byteLength;
        if (length >= FLUSH_BYTES) flush();
      },
    });
    flush();
  } catch (err) {
    conn.closed = true;
    conn.queue.length = 0;
    conn.socket.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

/** @param {Connection} conn */
function drop(conn) {
  conn.closed = true;
  connections.delete(conn);
  const at = waiting.indexOf(conn);
  if (at !== -1) waiting.splice(at, 1);
  if (holder !== conn) return;
  conn.queue.length = 0;
  void pump();
}

server.on("error", (err) => port.postMessage({ type: "error", message: String(err) }));
server.listen(options.socketPath, () => port.postMessage({ type: "ready" }));

port.on("message", async (message) => {
  if (message?.type !== "close") return;
  server.close();
  for (const conn of connections) conn.socket.destroy();
  try {
    await pg.close();
    port.postMessage({ type: "closed" });
  } catch (err) {
    port.postMessage({ type: "closed", error: String(err) });
  }
});
