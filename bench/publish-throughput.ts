// Publishing an artifact: floodgate's download → sha256 check → atomic store (fsync + rename), in a
// process of its own, against `curl … | tee file | sha256sum` on the same file from nginx (1 worker).
// Alternating rounds, medians; wall and CPU time, peak RSS of each.
// Run: npx tsx bench/publish-throughput.ts [--size 1G|64M|<MiB>] [--rounds N]   (default 64M, 3)
// The figure: npx tsx bench/publish-throughput.ts --size 1G
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startNginx } from "./support/load-tools.ts";
import {
  bundleRunner,
  formatRow,
  measureCommand,
  type ProcessSample,
  summarize,
} from "./support/measure-process.ts";

const { values } = parseArgs({
  options: { size: { type: "string", default: "64M" }, rounds: { type: "string", default: "3" } },
});
const mib = parseMiB(values.size);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), "floodgate-publish-bench-"));
try {
  const root = join(dir, "www");
  mkdirSync(root);
  const sha256 = await writeRandomFile(join(root, "artifact"), mib);
  const nginx = await startNginx(dir, root, 18091);
  const runner = await bundleRunner("bench/support/publish-run.ts", dir);
  const url = `${nginx.url}/artifact`;
  const ours: ProcessSample[] = [];
  const baseline: ProcessSample[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const store = join(dir, `store-${round}`);
      const file = join(dir, `tee-${round}`);
      const floodgate = await measureCommand(`node ${runner} ${url} ${store} ${sha256}`);
      const curl = await measureCommand(`curl -s ${url} | tee ${file} | sha256sum`);
      rmSync(store, { recursive: true, force: true });
      rmSync(file, { force: true });
      for (const s of [floodgate, curl]) {
        if (s.out !== sha256) throw new Error(`hash ${s.out}, expected ${sha256}`);
      }
      ours.push(floodgate);
      baseline.push(curl);
    }
  } finally {
    await nginx.stop();
  }
  const o = summarize(ours);
  const b = summarize(baseline);
  console.log(`publish a ${mib} MiB artifact from nginx over loopback, median of ${rounds}`);
  console.log(formatRow("floodgate fetch → sha256 → fs store", o));
  console.log(formatRow("curl | tee file | sha256sum", b));
  const rate = (s: number) => `${(mib / s).toFixed(0)} MiB/s`;
  console.log(
    `  throughput ${rate(o.seconds)} vs ${rate(b.seconds)}: floodgate / baseline ${(b.seconds / o.seconds).toFixed(2)}× (goal ≥ 0.8×)`,
  );
  console.log(
    `  wall per round: floodgate ${ours.map((s) => s.seconds).join(", ")}; baseline ${baseline.map((s) => s.seconds).join(", ")}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function parseMiB(size: string): number {
  const match = /^(\d+)([MG]?)$/i.exec(size);
  if (!match) throw new Error(`--size: expected e.g. 64M, 1G or a number of MiB, got ${size}`);
  return Number(match[1]) * (match[2]?.toUpperCase() === "G" ? 1024 : 1);
}

/** Random bytes (incompressible, like a tarball), written in 1 MiB pieces; returns their sha256. */
async function writeRandomFile(path: string, mebibytes: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash("sha256");
  for (let i = 0; i < mebibytes; i++) {
    const chunk = randomBytes(1 << 20);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest("hex");
}
