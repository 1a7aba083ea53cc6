import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NarTree, writeNar } from "../sim/nar-writer.ts";
import { extractNarFile } from "./nar-reader.ts";

const NIX_STORE = "/usr/bin/nix-store";
const haveNix = existsSync(NIX_STORE);
const text = (s: string) => new TextEncoder().encode(s);
const big = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);

/** Delivers `bytes` in uneven chunks, so tokens straddle chunk borders. */
function chunked(bytes: Uint8Array, size = 7): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
      size = (size * 3) % 4093 || 5;
    },
  });
}

const read = async (s: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(s).arrayBuffer());

const tree: NarTree = {
  type: "directory",
  entries: {
    bin: {
      type: "directory",
      entries: {
        hello: { type: "regular", contents: text("#!/bin/sh\necho hi\n"), executable: true },
        hi: { type: "symlink", target: "hello" },
      },
    },
    "empty.txt": { type: "regular", contents: new Uint8Array(0) },
    tarballs: { type: "directory", entries: { "big.tar.xz": { type: "regular", contents: big } } },
  },
};

describe("extractNarFile", () => {
  it("takes one file out of a NAR however the stream is chunked", async () => {
    const nar = writeNar(tree);
    expect(await read(extractNarFile(chunked(nar), "tarballs/big.tar.xz"))).toEqual(big);
    expect(await read(extractNarFile(chunked(nar, 1), "bin/hello"))).toEqual(
      text("#!/bin/sh\necho hi\n"),
    );
    expect(await read(extractNarFile(chunked(nar), "empty.txt"))).toEqual(new Uint8Array(0));
  });

  it("reads a NAR of a single file at its root", async () => {
    const nar = writeNar({ type: "regular", contents: big });
    expect(await read(extractNarFile(chunked(nar, 4096), ""))).toEqual(big);
  });

  it("fails on a truncated NAR, a missing file and a symlink", async () => {
    const nar = writeNar(tree);
    const cut = nar.slice(0, nar.byteLength - 1000);
    await expect(read(extractNarFile(chunked(cut), "tarballs/big.tar.xz"))).rejects.toMatchObject({
      code: "NAR_INVALID",
      message: expect.stringContaining("ends early"),
    });
    await expect(read(extractNarFile(chunked(nar), "nope"))).rejects.toMatchObject({
      code: "NAR_INVALID",
    });
    await expect(read(extractNarFile(chunked(nar), "bin/hi"))).rejects.toMatchObject({
      code: "NAR_INVALID",
    });
    await expect(read(extractNarFile(chunked(text("not a nar at all")), ""))).rejects.toMatchObject(
      {
        code: "NAR_INVALID",
      },
    );
  });

  describe.skipIf(!haveNix)("against nix-store --dump (Debian nix-bin)", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "nar-test-"));
      const root = join(dir, "out");
      mkdirSync(join(root, "bin"), { recursive: true });
      mkdirSync(join(root, "tarballs"));
      writeFileSync(join(root, "bin/hello"), "#!/bin/sh\necho hi\n");
      chmodSync(join(root, "bin/hello"), 0o755);
      symlinkSync("hello", join(root, "bin/hi"));
      writeFileSync(join(root, "empty.txt"), "");
      writeFileSync(join(root, "tarballs/big.tar.xz"), big);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("reads nix's own NARs, and the simulator writes the same bytes", async () => {
      const dumped = new Uint8Array(
        execFileSync(NIX_STORE, ["--dump", join(dir, "out")], { maxBuffer: 1 << 24 }),
      );
      expect(await read(extractNarFile(chunked(dumped), "tarballs/big.tar.xz"))).toEqual(big);
      expect(await read(extractNarFile(chunked(dumped), "bin/hello"))).toEqual(
        text("#!/bin/sh\necho hi\n"),
      );
      expect(writeNar(tree)).toEqual(dumped);
    });
  });
});
