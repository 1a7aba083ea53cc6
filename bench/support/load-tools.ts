// Load generation and the nginx baseline for the serving benchmarks: wrk against loopback only.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface LoadResult {
  requestsPerSecond: number;
  /** Response bytes per second (MB = 10^6 bytes). */
  megabytesPerSecond: number;
  p99Ms: number;
  errors: number;
}

export function which(tool: string): string | null {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]) {
    try {
      execFileSync("test", ["-x", join(dir, tool)]);
      return join(dir, tool);
    } catch {}
  }
  return null;
}

const UNIT: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000 };
const BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** `wrk -t1 -c<connections> -d<seconds>s --latency [-s script] [--timeout]`, parsed. */
export async function wrk(
  url: string,
  connections: number,
  seconds: number,
  opts: { script?: string; timeoutSeconds?: number } = {},
): Promise<LoadResult> {
  const { stdout } = await run("wrk", [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    ...(opts.script ? ["-s", opts.script] : []),
    ...(opts.timeoutSeconds ? ["--timeout", `${opts.timeoutSeconds}s`] : []),
    url,
  ]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)\b/.exec(stdout);
  const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(stdout);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const errors =
    non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    requestsPerSecond: rps,
    megabytesPerSecond: transfer
      ? (Number(transfer[1]) * (BYTES[transfer[2] ?? "B"] ?? 1)) / 1e6
      : Number.NaN,
    p99Ms: p99 ? Number(p99[1]) * (UNIT[p99[2] ?? "ms"] ?? 1) : Number.NaN,
    errors,
  };
}

/** nginx with one worker serving `root` on 127.0.0.1:`port`; resolves once it answers. */
export async function startNginx(dir: string, root: string, port: number) {
  mkdirSync(join(dir, "nginx"), { recursive: true });
  const conf = join(dir, "nginx", "nginx.conf");
  const user = process.getuid?.() === 0 ? "user root;" : "";
  writeFileSync(
    conf,
    `${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx/nginx.pid;
error_log ${dir}/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/nginx/body;
  proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/fastcgi;
  uwsgi_temp_path ${dir}/nginx/uwsgi;
  scgi_temp_path ${dir}/nginx/scgi;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`,
  );
  const nginx = which("nginx") ?? "nginx";
  const child = spawn(nginx, ["-c", conf, "-p", join(dir, "nginx")], { stdio: "ignore" });
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { redirect: "manual" });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
