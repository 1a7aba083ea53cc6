// A large product out of an xz NAR (floodgate: fetch → xz -d → NAR parser → sha256) against
// `curl | xz -d | sha256sum` on the same product compressed alone. Wall time and peak RSS of each.
// Run: npx tsx bench/nar-extract.ts [MiB]   (default 64)
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const mib = Number(process.argv[2] ?? 64);
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

async function measure(cmd: string): Promise<{ seconds: number; rssMiB: number; out: string }> {
  const { stdout, stderr } = await run("/usr/bin/time", ["-f", "TIME %e %M", "sh", "-c", cmd], {
    maxBuffer: 1 << 20,
  });
  const [, seconds = "0", kib = "0"] = /TIME ([\d.]+) (\d+)/.exec(stderr) ?? [];
  return {
    seconds: Number(seconds),
    rssMiB: Number(kib) / 1024,
    out: stdout.trim().split(/\s/)[0] ?? "",
  };
}

const rows: { name: string; seconds: number; rssMiB: number; out: string }[] = [];
for (let round = 0; round < 2; round++) {
  const baseline = await measure(`curl -s ${base}/image.iso.xz | xz -d | sha256sum`);
  const ours = await measure(
    `node --import tsx bench/support/nar-extract-run.ts ${base}/image.nar.xz iso/image.iso`,
  );
  rows.push(
    { name: "curl | xz -d | sha256sum", ...baseline },
    { name: "floodgate NAR extract", ...ours },
  );
  if (baseline.out !== ours.out) throw new Error(`hash differs: ${baseline.out} vs ${ours.out}`);
}
server.kill();
rmSync(dir, { recursive: true, force: true });
const best = (name: string) =>
  rows.filter((r) => r.name === name).sort((a, b) => a.seconds - b.seconds)[0];
const b = best("curl | xz -d | sha256sum");
const o = best("floodgate NAR extract");
console.log(`NAR extract of a ${mib} MiB product (best of 2, xz -0 NAR over loopback HTTP)`);
for (const r of [b, o]) {
  if (r)
    console.log(
      `  ${r.name.padEnd(26)} ${r.seconds.toFixed(2)} s  peak RSS ${r.rssMiB.toFixed(0)} MiB`,
    );
}
if (b && o)
  console.log(`  ratio floodgate / baseline: ${(o.seconds / b.seconds).toFixed(2)}× time`);
