import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

/** A PostgreSQL cluster of the test's own (initdb + pg_ctl of the installed server), on its own port. */
export interface PrivatePostgres {
  url: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

/** The installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin), or null. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const dir = majors.map((m) => join(root, m, "bin")).find((d) => existsSync(join(d, "initdb")));
  return dir ?? null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

/** initdb refuses to run as root: then the cluster belongs to the `postgres` user. */
function asServerUser(bin: string, args: string[]): void {
  const runAsPostgres = process.getuid?.() === 0;
  const [cmd, argv] = runAsPostgres
    ? ["runuser", ["-u", "postgres", "--", bin, ...args]]
    : [bin, args];
  execFileSync(cmd, argv, { stdio: "pipe" });
}

export async function startPrivatePostgres(binDir: string): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "floodgate-pg-"));
  const data = join(dir, "data");
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const pgCtl = join(binDir, "pg_ctl");
  asServerUser(join(binDir, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () =>
    asServerUser(pgCtl, ["-D", data, "-o", options, "-w", "-l", join(dir, "log"), "start"]);
  const stop = () => asServerUser(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  const admin = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, {
    max: 1,
    onnotice: () => {},
  });
  await admin.unsafe("create database floodgate");
  await admin.end({ timeout: 5 });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/floodgate`,
    start,
    stop,
    destroy: () => {
      try {
        stop();
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
