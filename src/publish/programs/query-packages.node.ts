import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import type { PackageOutputs } from "./index-programs.ts";

const NixEnvJson = z.record(
  z.string(),
  z.object({ system: z.string(), outputs: z.record(z.string(), z.string().nullable()) }),
);

export interface QueryPackagesOptions {
  /** Scratch space for nix-env: its own store root, state and home (nothing global is written). */
  scratchDir: string;
  nixEnv?: string;
  /** Nixpkgs takes a few GiB and minutes; the simulator's expression milliseconds. */
  timeoutMs?: number;
}

/**
 * `nix-env -qaP --out-path --json` over `exprDir` for `system`, with the arguments nix-index's
 * nix-channel-index passes. `--readonly-mode` computes store paths without writing derivations,
 * and `--store` points at a scratch root, so neither a daemon nor a writable /nix is needed.
 */
export async function queryPackages(
  exprDir: string,
  system: string,
  opts: QueryPackagesOptions,
): Promise<PackageOutputs[]> {
  const root = join(opts.scratchDir, "nix");
  await mkdir(join(root, "home"), { recursive: true });
  const args = [
    "-qaP",
    "--out-path",
    "--json",
    "--readonly-mode",
    "--store",
    join(root, "store"),
    "--arg",
    "config",
    "{ allowAliases = false; }",
    "--arg",
    "overlays",
    "[ ]",
    "--argstr",
    "system",
    system,
    "--file",
    exprDir,
  ];
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: join(root, "home"),
    NIX_STATE_DIR: join(root, "state"),
    NIX_LOG_DIR: join(root, "log"),
    NIX_CONF_DIR: join(root, "conf"),
    NIX_PATH: "",
    // No substituters and no network: evaluation only reads the unpacked expression.
    NIX_CONFIG: "substituters =\nallow-import-from-derivation = false\n",
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      opts.nixEnv ?? "nix-env",
      args,
      { env, maxBuffer: 1 << 30, timeout: opts.timeoutMs ?? 30 * 60_000 },
      (err, out, stderr) => {
        if (err) {
          reject(
            new AppError(
              "EVAL_FAILED",
              `nix-env for ${system} failed: ${tail(stderr || err.message)}`,
              {
                context: { system, exprDir },
                cause: err,
              },
            ),
          );
        } else resolve(out);
      },
    );
  });
  const parsed = NixEnvJson.safeParse(parseJson(stdout));
  if (!parsed.success) {
    throw new AppError("EVAL_FAILED", `nix-env for ${system} printed unexpected JSON`, {
      context: { system, issue: parsed.error.issues[0]?.message },
    });
  }
  return Object.entries(parsed.data).map(([attrPath, item]) => ({
    attrPath,
    system: item.system,
    outputs: Object.values(item.outputs).filter((p): p is string => p !== null),
  }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-5).join("\n");
}
