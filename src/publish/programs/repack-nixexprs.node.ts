import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { promisify } from "node:util";
import { AppError } from "../../errors.ts";
import { throughCommand } from "../codec.node.ts";
import type { Codec, Compression } from "../codec.ts";

const run = promisify(execFile);

// mirror-nixos-branch.pl's repack (reference/channel-infra.md §3 step 6), 1980-01-01 as mtime.
export const REPRODUCIBLE_TAR_FLAGS = [
  "--sort=name",
  "--format=gnu",
  "--owner=0",
  "--group=0",
  "--numeric-owner",
  "--mtime=@315532800",
  // Modes as unpacked depend on the unpacking user's umask; the archive must not.
  "--mode=u+rwX,go=rX",
] as const;

/** Unpacks a compressed tarball into `dir`, then makes the tree writable (store files are 0444). */
export async function unpackTarball(
  codec: Codec,
  format: Compression,
  body: ReadableStream<Uint8Array>,
  dir: string,
): Promise<void> {
  const tar = ["-x", "--no-same-owner", "--no-same-permissions", "-C", dir, "-f", "-"];
  const out = throughCommand("tar", tar, codec.decompress(format, body));
  await new Response(out).arrayBuffer();
  await run("chmod", ["-R", "u+rwX", dir]);
}

/** The tarball's one top directory (`nixos-26.11pre…`), whatever it is called. */
export async function topDirectory(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const [top] = entries;
  if (entries.length !== 1 || !top?.isDirectory()) {
    throw new AppError(
      "NIXEXPRS_LAYOUT",
      `a channel tarball must hold one top directory, not ${entries.map((e) => e.name).join(", ") || "nothing"}`,
      { context: { entries: entries.map((e) => e.name) } },
    );
  }
  return top.name;
}

/** `dir/top` as a byte-reproducible GNU tarball at `tarFile` (compress it with `compressFile`). */
export async function packTarball(dir: string, top: string, tarFile: string): Promise<void> {
  await run("tar", [...REPRODUCIBLE_TAR_FLAGS, "-C", dir, "-c", "-f", tarFile, top]);
}
