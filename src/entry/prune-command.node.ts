import type { Config } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { pruneChannel } from "../publish/prune-releases.ts";
import { LOCK_WAIT_MS, openRuntime } from "./runtime.node.ts";

type Print = (line: string) => void;

/**
 * `floodgate prune [--channel NAME] [--dry-run]`: retention on demand (it also runs after every
 * publish). Prints one line per deleted (or, with --dry-run, deletable) release.
 */
export async function pruneCommand(
  config: Config,
  logger: Logger,
  print: Print,
  opts: { channel?: string; dryRun: boolean },
): Promise<number> {
  const specs = opts.channel
    ? config.channels.filter((c) => c.name === opts.channel)
    : config.channels;
  if (specs.length === 0) {
    print(
      `unknown channel "${opts.channel}"; configured: ${config.channels.map((c) => c.name).join(", ")}`,
    );
    return 2;
  }
  const rt = await openRuntime(config, logger, { command: "prune", waitMs: LOCK_WAIT_MS });
  try {
    for (const spec of specs) {
      const report = await pruneChannel(rt.deps, spec, { dryRun: opts.dryRun });
      const keeping = report.keep === null ? "keeping every release" : `keeping ${report.keep}`;
      const lines = opts.dryRun
        ? report.wouldPrune.map((r) => `would delete ${r.name}: ${r.reason}`)
        : report.pruned.map((r) => `deleted ${r.name} (${r.files} files): ${r.reason}`);
      print(
        `${spec.name}: ${lines.length === 0 ? "nothing to delete" : `${lines.length} release(s)`}, ${keeping}`,
      );
      for (const line of lines) print(`  ${line}`);
      for (const kept of report.keptReferenced)
        print(`  kept ${kept.name}: ${kept.why.join("; ")}`);
    }
    return 0;
  } finally {
    await rt.close();
  }
}
