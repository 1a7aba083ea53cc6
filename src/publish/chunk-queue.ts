import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

export interface ChunkQueue {
  /** Bytes waiting. */
  readonly size: number;
  /** Bytes ever pushed. */
  readonly total: number;
  push(chunk: Uint8Array): void;
  /** Removes the first `n` bytes as one contiguous array. */
  take(n: number): Uint8Array<ArrayBuffer>;
}

/** Bytes waiting to go up in parts; the object stores split a stream with it. */
export function createChunkQueue(): ChunkQueue {
  let chunks: Uint8Array[] = [];
  let first = 0;
  let size = 0;
  let total = 0;
  return {
    get size() {
      return size;
    },
    get total() {
      return total;
    },
    push(chunk: Uint8Array) {
      chunks.push(chunk);
      size += chunk.byteLength;
      total += chunk.byteLength;
    },
    take(n: number): Uint8Array<ArrayBuffer> {
      const out = new Uint8Array(n);
      let filled = 0;
      for (let head = chunks[first]; head && filled < n; head = chunks[first]) {
        const part = head.subarray(0, n - filled);
        out.set(part, filled);
        filled += part.byteLength;
        if (part.byteLength === head.byteLength) first++;
        else chunks[first] = head.subarray(part.byteLength);
      }
      chunks = chunks.slice(first);
      first = 0;
      size -= filled;
      return out;
    },
  };
}

/** An incremental sha256 that runs on Node and Workers alike (no node:crypto). */
export function createSha256(): { update(data: Uint8Array): void; hex(): string } {
  const hash = sha256.create();
  return {
    update: (data) => {
      hash.update(data);
    },
    hex: () => bytesToHex(hash.digest()),
  };
}
