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
  /** The slowest answer wrk recorded (answers past its --timeout count as timeout errors instead). */
  maxMs: number;
  errors: number;
  /** What `errors` is made of: wrk's socket errors by kind and the non-2xx/3xx answers. */
  errorKinds: { connect: number; read: number; write: number; timeout: number; non2xx3xx: number };
  /** Answers by HTTP status, when the script counts them (`STATUS_COUNTER_LUA`). */
  statuses: Record<string, number>;
}

/**
 * Appended to a wrk script: counts answers by status in each thread and prints them at the end
 * (`status <code> <count>` lines), so errors can be told apart.
 */
export const STATUS_COUNTER_LUA = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if not statuses then statuses = {} end
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then for code, n in pairs(s) do io.write(string.format("status %d %d\\n", code, n)) end end
  end
end
`;

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
  opts: { script?: string; timeoutSeconds?: number; headers?: Record<string, string> } = {},
): Promise<LoadResult> {
  const { stdout } = await run("wrk", [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    ...(opts.script ? ["-s", opts.script] : []),
    ...(opts.timeoutSeconds ? ["--timeout", `${opts.timeoutSeconds}s`] : []),
    ...Object.entries(opts.headers ?? {}).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
    url,
  ]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)\b/.exec(stdout);
  const max = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b/.exec(stdout);
  const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(stdout);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const [connect, read, write, timeout] = (socketErrors?.slice(1) ?? []).map(Number);
  const errorKinds = {
    connect: connect ?? 0,
    read: read ?? 0,
    write: write ?? 0,
    timeout: timeout ?? 0,
    non2xx3xx: non2xx,
  };
  const errors = Object.values(errorKinds).reduce((sum, n) => sum + n, 0);
  const statuses: Record<string, number> = {};
  for (const m of stdout.matchAll(/^status (\d+) (\d+)$/gm)) {
    statuses[m[1] ?? "?"] = (statuses[m[1] ?? "?"] ?? 0) + Number(m[2]);
  }
  return {
    errorKinds,
    statuses,
    requestsPerSecond: rps,
    megabytesPerSecond: transfer
      ? (Number(transfer[1]) * (BYTES[transfer[2] ?? "B"] ?? 1)) / 1e6
      : Number.NaN,
    p99Ms: p99 ? Number(p99[1]) * (UNIT[p99[2] ?? "ms"] ?? 1) : Number.NaN,
    maxMs: max ? Number(max[1]) * (UNIT[max[2] ?? "ms"] ?? 1) : Number.NaN,
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
