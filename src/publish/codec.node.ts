import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress } from "node:zlib";
import { AppError, errorMessage } from "../errors.ts";
import { bytesStream, type Codec, type Compression, streamFrom } from "./codec.ts";

/** The Debian CLIs (xz-utils, zstd) for xz/zstd and zlib for brotli: no whole-file buffers. */
export function createNodeCodec(): Codec {
  return {
    decompress(format, body) {
      return decompressStream(format, body);
    },
    xz: (body) => throughCommand("xz", COMPRESS_ARGS.xz, body),
    zstd: (body) => throughCommand("zstd", COMPRESS_ARGS.zstd, body),
  };
}

// Two threads: xz's multi-threaded block layout, so the output is the same on any machine.
const COMPRESS_ARGS = { xz: ["-c", "-6", "-T2"], zstd: ["-c", "-q", "-19", "-T2"] };

/**
 * A file compressed like `Codec.xz`/`Codec.zstd`. Knowing the size, zstd -19 sizes its tables to
 * the input instead of allocating for an unbounded stream (a small tarball in 0.1 s, not 2 s).
 */
export function compressFile(format: "xz" | "zstd", path: string): ReadableStream<Uint8Array> {
  return throughCommand(format, [...COMPRESS_ARGS[format], path], bytesStream(new Uint8Array(0)));
}

function decompressStream(
  format: Compression,
  body: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  switch (format) {
    case "none":
      return body;
    case "xz":
      return throughCommand("xz", ["-d", "-c"], body);
    case "zstd":
      return throughCommand("zstd", ["-d", "-c", "-q"], body);
    case "br":
      return throughTransform(createBrotliDecompress(), body);
  }
}

type NodeDuplex = NodeJS.ReadWriteStream & AsyncIterable<Buffer | Uint8Array>;

function throughTransform(transform: NodeDuplex, body: ReadableStream<Uint8Array>) {
  const feeding = pipeline(Readable.fromWeb(asNodeWebStream(body)), transform).catch(
    (err: unknown) => err,
  );
  return streamFrom(
    (async function* () {
      try {
        for await (const chunk of transform) yield chunk;
      } catch (err) {
        throw codecError("brotli", err);
      }
      const fed = await feeding;
      if (fed instanceof Error) throw fed;
    })(),
    READ_AHEAD_BYTES,
  );
}

// How far a decoder's output may run ahead of its reader: it keeps working while the reader does.
const READ_AHEAD_BYTES = 1 << 20;
// A decoder writes its pipe in pieces of 8-20 KiB; each piece passed on alone costs a trip through
// every stream after it, so they go on in batches (one copy, far fewer trips).
const BATCH_BYTES = 256 * 1024;

async function* inBatches(
  source: AsyncIterable<Buffer>,
  minBytes: number,
): AsyncGenerator<Uint8Array> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    size += chunk.byteLength;
    if (size < minBytes) continue;
    yield pending.length === 1 ? chunk : Buffer.concat(pending, size);
    pending = [];
    size = 0;
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

/** Pipes `body` through `cmd`; a non-zero exit (corrupt or truncated input) errors the stream. */
export function throughCommand(
  cmd: string,
  args: string[],
  body: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("close", (code) => resolve(code));
    child.on("error", () => resolve(-1));
  });
  // Node resumes (and so discards) an unread stdout when the child exits; a listener keeps it.
  child.stdout.on("readable", () => {});
  const feeding = pipeline(Readable.fromWeb(asNodeWebStream(body)), child.stdin).then(
    () => null,
    (err: unknown) => err,
  );
  return streamFrom(
    (async function* () {
      try {
        yield* inBatches(child.stdout, BATCH_BYTES);
        const code = await exited;
        const fed = await feeding;
        // The input's own failure (a cut connection) explains a decoder's "unexpected end" best.
        if (fed instanceof Error && !isEpipe(fed)) throw fed;
        if (code !== 0) {
          throw new AppError("CODEC_FAILED", `${cmd} ${args.join(" ")} failed: ${stderr.trim()}`, {
            context: { cmd, code },
          });
        }
      } finally {
        if (child.exitCode === null) child.kill();
      }
    })(),
    READ_AHEAD_BYTES,
  );
}

function isEpipe(err: Error): boolean {
  return "code" in err && (err.code === "EPIPE" || err.code === "ERR_STREAM_PREMATURE_CLOSE");
}

function codecError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError("CODEC_FAILED", `${what} decoding failed: ${errorMessage(err)}`, {
    cause: err,
  });
}

// safe because web and Node's ReadableStream types describe the same runtime object
const asNodeWebStream = (body: ReadableStream<Uint8Array>) =>
  body as unknown as import("node:stream/web").ReadableStream<Uint8Array>;
