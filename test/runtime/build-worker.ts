import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const wranglerBin = join(repoRoot, "node_modules/wrangler/bin/wrangler.js");

export interface EsbuildMetafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<string, { bytes: number }>;
}

export interface WorkerBuild {
  scriptPath: string;
  bytes: number;
  metafile: EsbuildMetafile;
  log: string;
}

/** Bundles src/entry/worker.ts exactly as a deploy would (`wrangler deploy --dry-run`), offline. */
export async function buildWorker(outdir: string): Promise<WorkerBuild> {
  const metafilePath = join(outdir, "bundle-meta.json");
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [wranglerBin, "deploy", "--dry-run", "--outdir", outdir, "--metafile", metafilePath],
    {
      cwd: repoRoot,
      timeout: 90_000,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        NO_COLOR: "1",
      },
    },
  );
  const metafile: EsbuildMetafile = JSON.parse(await readFile(metafilePath, "utf8"));
  const scriptPath = join(outdir, "worker.js");
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith("worker.js"));
  return { scriptPath, bytes: output?.[1].bytes ?? 0, metafile, log: stdout + stderr };
}
