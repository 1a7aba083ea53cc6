import type { FileHandle } from "node:fs/promises";

// One write per 4 MiB instead of one per network chunk (16-64 KiB): each write is a thread-pool
// trip. The chunks go to the kernel as they are (writev), never copied into one buffer.
const BATCH_BYTES = 4 << 20;

/**
 * Appends chunks to `fh` in batches, one batch being written while the next one fills, so the
 * reader and the disk work at the same time. Memory: two batches. `push` waits only when the
 * previous batch is still being written; a write error surfaces at the next `push` or `finish`.
 */
export function createWriteBehind(fh: FileHandle): {
  push(chunk: Uint8Array): Promise<void>;
  finish(): Promise<void>;
} {
  let pending: Uint8Array[] = [];
  let size = 0;
  let inFlight: Promise<void> = Promise.resolve();

  const flush = async () => {
    await inFlight;
    const batch = pending;
    pending = [];
    size = 0;
    if (batch.length === 0) return;
    inFlight = writeAll(fh, batch);
    // Awaited at the next push or at finish; until then a failure must not count as unhandled.
    inFlight.catch(() => {});
  };

  return {
    async push(chunk) {
      pending.push(chunk);
      size += chunk.byteLength;
      if (size >= BATCH_BYTES) await flush();
    },
    async finish() {
      if (size > 0) await flush();
      await inFlight;
    },
  };
}

/** `writev` until every byte is written (a short write leaves the rest for the next call). */
async function writeAll(fh: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest);
    let skip = bytesWritten;
    let first = 0;
    while (first < rest.length && skip >= (rest[first]?.byteLength ?? 0)) {
      skip -= rest[first]?.byteLength ?? 0;
      first++;
    }
    rest = rest.slice(first);
    const head = rest[0];
    if (head && skip > 0) rest[0] = head.subarray(skip);
  }
}
