import { AppError } from "../errors.ts";
import { streamFrom } from "./codec.ts";

const MAX_TOKEN = 4096;

/** A NAR that ends early or does not follow the grammar (nix's `archive.cc`). */
export class NarFormatError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super("NAR_INVALID", message, { context });
  }
}

/** Pulls exact byte counts out of a chunked stream, copying only the small tokens. */
class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  consumed = 0;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  private async fill(): Promise<void> {
    while (this.offset >= this.chunk.byteLength) {
      const { done, value } = await this.reader.read();
      if (done) {
        throw new NarFormatError(`NAR ends early, after ${this.consumed} bytes`, {
          offset: this.consumed,
        });
      }
      this.chunk = value;
      this.offset = 0;
    }
  }

  async bytes(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    for (let got = 0; got < n; ) {
      await this.fill();
      const take = Math.min(n - got, this.chunk.byteLength - this.offset);
      out.set(this.chunk.subarray(this.offset, this.offset + take), got);
      this.offset += take;
      got += take;
      this.consumed += take;
    }
    return out;
  }

  /** Yields the next `n` bytes as views of the incoming chunks (no copies). */
  async *pieces(n: number): AsyncGenerator<Uint8Array> {
    for (let left = n; left > 0; ) {
      await this.fill();
      const take = Math.min(left, this.chunk.byteLength - this.offset);
      const piece = this.chunk.subarray(this.offset, this.offset + take);
      this.offset += take;
      this.consumed += take;
      left -= take;
      yield piece;
    }
  }

  /** Drops the next `n` bytes. */
  async skip(n: number): Promise<void> {
    for (let left = n; left > 0; ) {
      await this.fill();
      const take = Math.min(left, this.chunk.byteLength - this.offset);
      this.offset += take;
      this.consumed += take;
      left -= take;
    }
  }

  async u64(): Promise<number> {
    const b = await this.bytes(8);
    const view = new DataView(b.buffer, b.byteOffset, 8);
    const high = view.getUint32(4, true);
    if (high > 0x1fffff) throw new NarFormatError("NAR length field out of range");
    return high * 2 ** 32 + view.getUint32(0, true);
  }

  async padding(n: number): Promise<void> {
    const pad = (8 - (n % 8)) % 8;
    if (pad === 0) return;
    if ((await this.bytes(pad)).some((b) => b !== 0)) {
      throw new NarFormatError("NAR padding is not zero");
    }
  }

  async token(): Promise<string> {
    const n = await this.u64();
    if (n > MAX_TOKEN) throw new NarFormatError(`NAR token of ${n} bytes`);
    const text = new TextDecoder().decode(await this.bytes(n));
    await this.padding(n);
    return text;
  }

  async expect(word: string): Promise<void> {
    const got = await this.token();
    if (got !== word) throw new NarFormatError(`NAR: expected "${word}", got "${got}"`);
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }
}

/** One regular file seen while walking a NAR; `contents` must be drained before the walk goes on. */
export interface NarFile {
  path: string;
  size: number;
  executable: boolean;
}

/**
 * Streams the bytes of the regular file at `path` (relative to the NAR's root, "" for a file NAR)
 * out of a NAR stream, reading no further than the file's end. Memory stays at a few chunks.
 */
export function extractNarFile(
  nar: ReadableStream<Uint8Array>,
  path: string,
): ReadableStream<Uint8Array> {
  const reader = new ByteReader(nar.getReader());
  const wanted = path
    .split("/")
    .filter((s) => s !== "")
    .join("/");
  return streamFrom(
    (async function* () {
      try {
        await reader.expect("nix-archive-1");
        const size = await seek(reader, "", wanted);
        if (size === null) {
          throw new NarFormatError(`NAR has no regular file ${wanted || "(root)"}`);
        }
        // Straight from the reader: the file's chunks pass through no recursion.
        yield* reader.pieces(size);
      } finally {
        await reader.cancel();
      }
    })(),
    READ_AHEAD_BYTES,
  );
}

// The parser runs ahead of a slow consumer (a disk write) by this much, and no more.
const READ_AHEAD_BYTES = 1 << 20;

/** Walks one node up to the contents of `wanted` and returns its size, or null when not inside. */
async function seek(reader: ByteReader, path: string, wanted: string): Promise<number | null> {
  await reader.expect("(");
  await reader.expect("type");
  const type = await reader.token();
  if (type === "regular") {
    let word = await reader.token();
    if (word === "executable") {
      await reader.expect("");
      word = await reader.token();
    }
    if (word !== "contents") throw new NarFormatError(`NAR: expected "contents", got "${word}"`);
    const size = await reader.u64();
    if (path === wanted) return size;
    await reader.skip(size);
    await reader.padding(size);
    await reader.expect(")");
    return null;
  }
  if (type === "symlink") {
    await reader.expect("target");
    await reader.token();
    await reader.expect(")");
    return null;
  }
  if (type !== "directory") throw new NarFormatError(`NAR: unknown node type "${type}"`);
  for (;;) {
    const word = await reader.token();
    if (word === ")") return null;
    if (word !== "entry") throw new NarFormatError(`NAR: expected "entry", got "${word}"`);
    await reader.expect("(");
    await reader.expect("name");
    const name = await reader.token();
    if (name === "" || name === "." || name === ".." || name.includes("/")) {
      throw new NarFormatError(`NAR: bad entry name "${name}"`);
    }
    await reader.expect("node");
    const child = path === "" ? name : `${path}/${name}`;
    const size = await seek(reader, child, wanted);
    if (size !== null) return size;
    await reader.expect(")");
  }
}
