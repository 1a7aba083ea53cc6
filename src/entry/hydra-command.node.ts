import type { Config } from "../config/config.ts";
import { backfillHistory, HISTORY_DAYS } from "../hydra/backfill-history.ts";
import { formatDuration, formatHydraReport } from "../hydra/format-hydra-report.ts";
import { hydraReport } from "../hydra/hydra-report.ts";
import { type JobHistoryEntry, jobHistory } from "../hydra/job-history.ts";
import type { Logger } from "../log.ts";
import { explainBlock } from "../unblock/explain-block.ts";
import { formatExplain } from "../unblock/format-explain.ts";
import type { UnblockReport } from "../unblock/unblock-types.ts";
import { LOCK_WAIT_MS, openRuntime } from "./runtime.node.ts";

type Print = (line: string) => void;

const MARK = { passed: "✔", failed: "✖", pending: "⧖" } as const;

function historyLines(entries: JobHistoryEntry[], now: Date): string[] {
  const strip = entries.map((e) => MARK[e.result]).join("");
  const lines = [`  last ${HISTORY_DAYS} days, oldest first: ${strip || "(nothing recorded)"}`];
  for (const e of entries.slice().reverse()) {
    const at = e.evaluatedAt ?? e.finishedAt;
    const age = at ? `${formatDuration(now.getTime() - Date.parse(at))} ago` : "";
    const failing = e.failing.length ? `  ✖ ${e.failing.map((f) => f.job).join(", ")}` : "";
    const rev = e.revision?.slice(0, 12) ?? "?";
    lines.push(`  ${MARK[e.result]} eval ${e.evalId ?? "?"} ${rev} ${age}${failing}`);
  }
  return lines;
}

/**
 * `floodgate hydra <channel> [--json] [--history] [--explain]`: the newest gate build and its
 * constituents; `--history` first backfills the channel's 30 days (resumable, at the configured rate)
 * and lists them; `--explain` runs the unblock assistant on the failing constituents (src/unblock).
 */
export async function hydraCommand(
  config: Config,
  logger: Logger,
  print: Print,
  channel: string | undefined,
  opts: { json: boolean; history: boolean; explain?: boolean },
): Promise<number> {
  const spec = config.channels.find((c) => c.name === channel);
  if (!spec) {
    const names = config.channels.map((c) => c.name).join(", ");
    print(
      `usage: floodgate hydra <channel> [--json] [--history] [--explain]; configured: ${names}`,
    );
    return 2;
  }
  const rt = await openRuntime(config, logger, { command: "hydra", waitMs: LOCK_WAIT_MS });
  try {
    const report = await hydraReport(rt.deps, spec);
    const now = rt.deps.clock.now();
    const lines = formatHydraReport(report, now);
    let history: JobHistoryEntry[] | undefined;
    if (opts.history) {
      const [result] = await backfillHistory(rt.deps, { only: spec.name });
      const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
      history = await jobHistory(rt.deps.db, spec, since, { hydraUrl: config.hydraUrl });
      lines.push(...historyLines(history, now));
      if (result?.stopped) lines.push(`  backfill stopped early: ${result.stopped.message}`);
    }
    let unblock: UnblockReport | undefined;
    if (opts.explain && report.gate && report.failing.length > 0) {
      const d = rt.deps;
      unblock = await explainBlock({ ...d, git: d.lookups.git, now }, spec, {
        evalId: report.gate.evalId,
        buildId: report.gate.buildId,
        failed: report.failing,
      });
      lines.push(...formatExplain(unblock));
    } else if (opts.explain) {
      lines.push("  unblock: no failing constituent to explain");
    }
    await rt.deps.lookupWrites.settled();
    print(opts.json ? JSON.stringify({ report, history, unblock }, null, 2) : lines.join("\n"));
    return 0;
  } finally {
    await rt.close();
  }
}
