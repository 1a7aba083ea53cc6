/** Compressions a binary cache uses for NARs and listings (`Compression:` in narinfo). */
export type Compression = "none" | "xz" | "zstd" | "br";

/**
 * Stream (de)compression. Node runs the Debian `xz`/`zstd` CLIs and zlib's brotli; a Worker has
 * none of them, so it gets no codec and skips what needs one (README, "Cloudflare Workers").
 */
export interface Codec {
  decompress(format: Compression, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
  /** xz at the CLI's default level, as the real updater compresses `store-paths`. */
  xz(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
  /** `zstd -19`, as the real updater recompresses the repacked tarball. */
  zstd(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
}

/** zstd frames start with 28 b5 2f fd; anything else from a `.ls` is taken as brotli (no magic). */
export function sniffListingCompression(head: Uint8Array): Compression {
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  if (head[0] === 0x7b) return "none"; // "{": already-decoded JSON (a client or CDN undid the encoding)
  return "br";
}

export function bytesStream(bytes: Uint8Array | string): ReadableStream<Uint8Array> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
}

/**
 * A web stream pulled from an async generator. With `readAheadBytes` the generator runs ahead of
 * the reader by up to that many bytes (so a producer, say `xz`, works while the consumer does);
 * without, one chunk per read.
 */
export function streamFrom(
  source: AsyncGenerator<Uint8Array>,
  readAheadBytes = 0,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await source.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (err) {
          controller.error(err);
        }
      },
      async cancel() {
        await source.return(undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: readAheadBytes }),
  );
}
