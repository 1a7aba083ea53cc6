import type { FileHandle } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createWriteBehind } from "./write-behind.node.ts";

/** A file whose every writev stores at most `limit` bytes, as the kernel may. */
function shortWritingFile(limit: number) {
  const written: number[] = [];
  let calls = 0;
  const fh = {
    async writev(chunks: Uint8Array[]) {
      calls++;
      let budget = limit;
      for (const chunk of chunks) {
        const part = chunk.subarray(0, budget);
        written.push(...part);
        budget -= part.byteLength;
        if (budget === 0) break;
      }
      return { bytesWritten: limit - budget, buffers: chunks };
    },
  };
  // safe because createWriteBehind only calls writev.
  return { fh: fh as unknown as FileHandle, written, calls: () => calls };
}

describe("createWriteBehind", () => {
  it("writes every byte in order through short writes, across chunk boundaries", async () => {
    const file = shortWritingFile(7);
    const out = createWriteBehind(file.fh);
    const chunks = [5, 1, 12, 3, 0, 9].map((n, i) =>
      Uint8Array.from({ length: n }, (_, k) => i * 16 + k),
    );
    for (const chunk of chunks) await out.push(chunk);
    await out.finish();
    expect(file.written).toEqual(chunks.flatMap((c) => [...c]));
    expect(file.calls()).toBe(Math.ceil(30 / 7));
  });
});
