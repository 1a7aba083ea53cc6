import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// 1980-01-01, the same fixed mtime Nix uses for reproducible tarballs.
const FIXED_MTIME = "@315532800";
const SAFE_SEGMENT = /^[A-Za-z0-9+_.,=@~-]+$/;

function assertSafePath(path: string): void {
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === ".." || !SAFE_SEGMENT.test(s))) {
    throw new Error(`unsafe path in nixexprs tarball: ${JSON.stringify(path)}`);
  }
}

/**
 * Builds a real, byte-reproducible `nixexprs.tar.xz` with one top directory `releaseName/` holding
 * `files` (relative paths, nested folders allowed), using the Debian `tar` and `xz` CLIs.
 */
export async function makeNixexprs(
  releaseName: string,
  files: Record<string, string>,
): Promise<Uint8Array<ArrayBuffer>> {
  return (await makeNixexprsTarballs(releaseName, files, ["xz"])).xz;
}

/** The same tree as `.tar.xz` and `.tar.zst` (Hydra's nixos.channel and tarball jobs make both). */
export async function makeNixexprsTarballs(
  releaseName: string,
  files: Record<string, string>,
  formats: readonly ("xz" | "zst")[] = ["xz", "zst"],
): Promise<{ xz: Uint8Array<ArrayBuffer>; zst: Uint8Array<ArrayBuffer> }> {
  assertSafePath(releaseName);
  for (const name of Object.keys(files)) assertSafePath(name);
  const workDir = await mkdtemp(join(tmpdir(), "floodgate-nixexprs-"));
  try {
    const top = join(workDir, releaseName);
    await mkdir(top);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(top, name)), { recursive: true });
      await writeFile(join(top, name), text);
    }
    const xz = formats.includes("xz") ? await tarCompressed(workDir, releaseName, "xz") : EMPTY;
    const zst = formats.includes("zst") ? await tarCompressed(workDir, releaseName, "zst") : EMPTY;
    return { xz, zst };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const EMPTY = new Uint8Array(0);
const COMPRESSORS = { xz: ["xz", "-c", "-T1", "-6"], zst: ["zstd", "-c", "-q", "-T1", "-3"] };

function tarCompressed(
  cwd: string,
  topDir: string,
  format: "xz" | "zst",
): Promise<Uint8Array<ArrayBuffer>> {
  const [tool = "xz", ...toolArgs] = COMPRESSORS[format];
  return new Promise((resolve, reject) => {
    const tar = spawn(
      "tar",
      [
        "--sort=name",
        "--format=gnu",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        `--mtime=${FIXED_MTIME}`,
        // the umask must not leak into the archive
        "--mode=u+rwX,go=rX",
        "-c",
        topDir,
      ],
      { cwd, stdio: ["ignore", "pipe", "pipe"] },
    );
    const xz = spawn(tool, toolArgs, { stdio: ["pipe", "pipe", "pipe"] });
    tar.stdout.pipe(xz.stdin);
    const chunks: Buffer[] = [];
    const errors: string[] = [];
    xz.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    tar.stderr.on("data", (chunk: Buffer) => errors.push(chunk.toString()));
    xz.stderr.on("data", (chunk: Buffer) => errors.push(chunk.toString()));
    let pending = 2;
    let failed = false;
    const onExit = (tool: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new Error(`${tool} exited with ${code}: ${errors.join("").trim()}`));
      }
      if (--pending === 0 && !failed) resolve(new Uint8Array(Buffer.concat(chunks)));
    };
    tar.on("error", reject);
    xz.on("error", reject);
    tar.on("close", onExit("tar"));
    xz.on("close", onExit(tool));
  });
}
