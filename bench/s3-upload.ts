// Uploading a release file: the S3 store (aws4fetch, multipart 16 MiB parts, 2 in flight) into s3rver on
// loopback (its own process) against the fs store on the same disk; then the skip of an unchanged
// re-upload and a read back. Run: npx tsx bench/s3-upload.ts [MiB]
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlobStore } from "../src/publish/blob-store.ts";
import { createFsStore } from "../src/publish/fs-store.node.ts";
import { createS3Client } from "../src/publish/s3-client.ts";
import { createS3Store } from "../src/publish/s3-store.ts";

const mib = Number(process.argv[2] ?? 256);
const rounds = 3;
const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "floodgate-s3-bench-"));
const block = randomBytes(MiB);

/** `mib` MiB made from one random MiB, each copy marked with its index: no file held in memory. */
function source(): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i === mib) return controller.close();
      const chunk = new Uint8Array(block);
      chunk[0] = i & 0xff;
      chunk[1] = i >> 8;
      i++;
      controller.enqueue(chunk);
    },
  });
}
const hash = createHash("sha256");
for await (const chunk of source()) hash.update(chunk);
const sha256 = hash.digest("hex");

// s3rver in a process of its own, so the server does not share this event loop.
const server = spawn(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    `import S3rver from "@20minutes/s3rver";
     const s = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: ${JSON.stringify(join(dir, "s3"))},
       vhostBuckets: false, configureBuckets: [{ name: "bench" }] });
     const a = await s.run(); console.log("port " + a.port);`,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const port = await new Promise<number>((resolve, reject) => {
  server.stdout.on("data", (d: Buffer) => {
    const m = /port (\d+)/.exec(d.toString());
    if (m) resolve(Number(m[1]));
  });
  server.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
});

const s3 = createS3Store(
  createS3Client({
    bucket: "bench",
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  }),
  "releases",
);
const fs = createFsStore(join(dir, "fs"));

async function median(
  fn: (round: number) => Promise<void>,
): Promise<{ ms: number; rssMiB: number }> {
  const samples: number[] = [];
  let peak = 0;
  for (let round = 0; round < rounds; round++) {
    globalThis.gc?.();
    const base = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss - base);
    }, 20);
    const start = performance.now();
    await fn(round);
    samples.push(performance.now() - start);
    clearInterval(sampler);
  }
  return {
    ms: samples.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN,
    rssMiB: peak / MiB,
  };
}

const upload = (store: BlobStore, name: string) => (round: number) =>
  store
    .put(`nixos/unstable/${name}-${round}/nixexprs.tar.xz`, source(), { expectedSha256: sha256 })
    .then(() => {});
const fsPut = await median(upload(fs, "r"));
const s3Put = await median(upload(s3, "r"));
const s3Skip = await median(() => upload(s3, "r")(0));
const s3Get = await median(async () => {
  const got = await s3.get("nixos/unstable/r-0/nixexprs.tar.xz");
  const h = createHash("sha256");
  for await (const chunk of got?.body ?? source()) h.update(chunk);
  if (h.digest("hex") !== sha256) throw new Error("read back a different file");
});

server.kill();
rmSync(dir, { recursive: true, force: true });

const rate = (ms: number) => `${((mib / ms) * 1000).toFixed(0).padStart(4)} MiB/s`;
const row = (label: string, r: { ms: number; rssMiB: number }) =>
  console.log(
    `  ${label.padEnd(44)} ${r.ms.toFixed(0).padStart(6)} ms  ${rate(r.ms)}  +${r.rssMiB.toFixed(0)} MiB RSS`,
  );
console.log(
  `upload a ${mib} MiB release file (sha256 checked while streaming), median of ${rounds}`,
);
row("fs store (temp file, fsync, rename)", fsPut);
row("S3 store → s3rver, multipart 16 MiB × 2", s3Put);
row("S3 store, same file again (HEAD, skipped)", s3Skip);
row("S3 store GET, read back + sha256", s3Get);
console.log(`  ratio S3 upload / fs upload                  ${(s3Put.ms / fsPut.ms).toFixed(2)}`);
