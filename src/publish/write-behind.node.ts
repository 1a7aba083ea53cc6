import type { FileHandle } from "node:fs/promises";

// One write per MiB instead of one per network chunk (16-64 KiB): each write is a thread-pool trip.
const BATCH_BYTES = 1 << 20;

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
    const batch = pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
    pending = [];
    size = 0;
    if (!batch) return;
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

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}
