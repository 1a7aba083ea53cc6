// Publishing a tarball: floodgate's download → sha256 check → atomic store, against the same work
// done by curl + sha256sum + cp in the same script. Run: npx tsx bench/publish-throughput.ts [MiB]
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono } from "hono";
import { createFsStore } from "../src/publish/fs-store.node.ts";
import { serveOnLoopback } from "../src/sim/serve.node.ts";

const mib = Number(process.argv[2] ?? 64);
const rounds = 5;
const dir = mkdtempSync(join(tmpdir(), "floodgate-bench-"));
const source = join(dir, "nixexprs.tar.xz");
writeFileSync(source, randomBytes(mib * 1024 * 1024));
const sha256 = createHash("sha256").update(readFileSync(source)).digest("hex");
const bytes = readFileSync(source);
const server = await serveOnLoopback(
  new Hono().get("/download", (c) => c.body(bytes, 200, { "content-type": "application/x-xz" })),
);
const store = createFsStore(join(dir, "store"));

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN;
}

let n = 0;
const floodgate = await timed(async () => {
  const res = await fetch(`${server.url}/download`);
  if (!res.body) throw new Error("no body");
  await store.put(`bench/${n++}/nixexprs.tar.xz`, res.body, { expectedSha256: sha256 });
});
// Async on purpose: the server answering curl lives in this process's event loop.
const run = promisify(execFile);
const baseline = await timed(async () => {
  const out = join(dir, `curl-${n++}`);
  await run("curl", ["-s", "-o", out, `${server.url}/download`]);
  const sum = (await run("sha256sum", [out])).stdout.slice(0, 64);
  if (sum !== sha256) throw new Error("baseline hash mismatch");
  await run("cp", [out, `${out}.stored`]);
});
await server.close();
rmSync(dir, { recursive: true, force: true });

const rate = (ms: number) => `${((mib / ms) * 1000).toFixed(0)} MiB/s`;
console.log(`publish ${mib} MiB tarball over loopback HTTP, median of ${rounds}`);
console.log(
  `  floodgate fetch → sha256 → fs store   ${floodgate.toFixed(0)} ms  ${rate(floodgate)}`,
);
console.log(`  curl + sha256sum + cp (baseline)      ${baseline.toFixed(0)} ms  ${rate(baseline)}`);
console.log(`  ratio floodgate / baseline            ${(floodgate / baseline).toFixed(2)}`);
