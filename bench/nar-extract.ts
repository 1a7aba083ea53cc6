// A large product out of an xz NAR (floodgate: fetch → xz -d → NAR parser → sha256) against
// `curl | xz -d | sha256sum` on the same product compressed alone. Wall time, CPU time and peak RSS
// of each, alternating rounds, medians (the machine is shared: one round says little).
// Run: npx tsx bench/nar-extract.ts [MiB] [rounds]   (default 64 MiB, 3 rounds; the figure is 1024)
// floodgate's side runs bundled (esbuild) in its own process: the TypeScript loader's start-up is
// not part of an extraction, and its peak RSS is then the extraction's.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  bundleRunner,
  formatRow,
  measureCommand,
  type ProcessSample,
  summarize,
} from "./support/measure-process.ts";

const run = promisify(execFile);
const mib = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "floodgate-nar-bench-"));
const token = (s: string) => {
  const data = Buffer.from(s);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  return Buffer.concat([len, data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
};

// The product and a NAR of a directory holding it as iso/image.iso, written piece by piece.
const size = mib * 1024 * 1024;
const product = createWriteStream(join(dir, "image.iso"));
const nar = createWriteStream(join(dir, "image.nar"));
const len = Buffer.alloc(8);
len.writeBigUInt64LE(BigInt(size));
nar.write(
  Buffer.concat(
    ["nix-archive-1", "(", "type", "directory", "entry", "(", "name", "iso", "node", "("]
      .concat(["type", "directory", "entry", "(", "name", "image.iso", "node", "("])
      .concat(["type", "regular", "contents"])
      .map(token)
      .concat([len]),
  ),
);
for (let left = size; left > 0; left -= 1 << 20) {
  // Half random, half zeros: an image compresses somewhat, like a real ISO's squashfs + padding.
  const chunk = Buffer.concat([randomBytes(1 << 19), Buffer.alloc(1 << 19)]);
  product.write(chunk);
  if (!nar.write(chunk)) await new Promise<void>((r) => nar.once("drain", () => r()));
}
nar.end(Buffer.concat([")", ")", ")", ")", ")", ")"].map(token)));
product.end();
await Promise.all([
  new Promise<void>((r) => nar.on("close", () => r())),
  new Promise<void>((r) => product.on("close", () => r())),
]);
await run("xz", ["-0", "-T2", join(dir, "image.nar"), join(dir, "image.iso")]);

const server = spawn("python3", ["-m", "http.server", "0", "--bind", "127.0.0.1"], { cwd: dir });
const port = await new Promise<string>((resolve) => {
  server.stdout.on("data", (d: Buffer) => {
    const m = /port (\d+)/.exec(d.toString());
    if (m?.[1]) resolve(m[1]);
  });
});
const base = `http://127.0.0.1:${port}`;

const runner = await bundleRunner("bench/support/nar-extract-run.ts", dir);
const baselineRuns: ProcessSample[] = [];
const ourRuns: ProcessSample[] = [];
for (let round = 0; round < rounds; round++) {
  const baseline = await measureCommand(`curl -s ${base}/image.iso.xz | xz -d | sha256sum`);
  const ours = await measureCommand(`node ${runner} ${base}/image.nar.xz iso/image.iso`);
  if (baseline.out !== ours.out) throw new Error(`hash differs: ${baseline.out} vs ${ours.out}`);
  baselineRuns.push(baseline);
  ourRuns.push(ours);
}
server.kill();
rmSync(dir, { recursive: true, force: true });

const b = summarize(baselineRuns);
const o = summarize(ourRuns);
console.log(`NAR extract of a ${mib} MiB product (median of ${rounds}, xz -0 over loopback HTTP)`);
console.log(formatRow("curl | xz -d | sha256sum", b));
console.log(formatRow("floodgate NAR extract", o));
const ratio = `${(o.seconds / b.seconds).toFixed(2)}× wall, ${(o.cpuSeconds / b.cpuSeconds).toFixed(2)}× CPU`;
console.log(`  floodgate / baseline: ${ratio} (goal ≤ 1.5× wall, RSS < 150 MB)`);
const walls = (runs: ProcessSample[]) => runs.map((r) => r.seconds).join(", ");
console.log(`  wall per round: baseline ${walls(baselineRuns)}; floodgate ${walls(ourRuns)}`);
