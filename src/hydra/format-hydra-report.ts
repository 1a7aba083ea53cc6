import type { HydraReport } from "./hydra-report.ts";

const MAX_PENDING_LISTED = 20;
const MARK = { passed: "✔", failed: "✖", pending: "⧖" } as const;

/** "3d 4h", "5h 12m", "40m", "<1m": long enough to tell a stuck build from a busy queue. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24, minutes % 60];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m` : "<1m";
}

const since = (isoTime: string | null, now: Date) =>
  isoTime === null ? "for an unknown time" : formatDuration(now.getTime() - Date.parse(isoTime));

const utc = (isoTime: string) => `${isoTime.slice(0, 16).replace("T", " ")} UTC`;

/** The report as lines a person reads in a terminal (`floodgate hydra <channel>`). */
export function formatHydraReport(report: HydraReport, now: Date): string[] {
  const lines = [`${report.channel}: Hydra job ${report.job}`];
  const { gate, counts } = report;
  if (!gate) {
    lines.push("  no finished build of this job yet");
  } else {
    lines.push(
      `  eval ${gate.evalId}  ${gate.evalUrl}`,
      `    ${gate.releaseName}, revision ${gate.revision}`,
    );
    if (gate.evaluatedAt) {
      lines.push(`    evaluated ${utc(gate.evaluatedAt)} (${since(gate.evaluatedAt, now)} ago)`);
    }
    const releasable = gate.releasable ? ", Hydra's latest-finished" : "";
    lines.push(
      `  gate build ${gate.buildId}: ${MARK[gate.state]} ${gate.statusText}${releasable}  ${gate.url}`,
      `  constituents: ${MARK.passed} ${counts.passed}  ${MARK.failed} ${counts.failed}  ${MARK.pending} ${counts.pending}  (of ${counts.total})`,
    );
    if (report.failing.length) lines.push("  failing:");
    for (const c of report.failing)
      lines.push(`    ${MARK.failed} ${c.job}: ${c.statusText}  ${c.url}`);
    if (report.pending.length) lines.push("  pending:");
    for (const c of report.pending.slice(0, MAX_PENDING_LISTED)) {
      const how = c.restarted ? "restarted, queued at most" : "queued";
      lines.push(`    ${MARK.pending} ${c.job}: ${how} ${since(c.waitingSince, now)}  ${c.url}`);
    }
    if (report.pending.length > MAX_PENDING_LISTED) {
      lines.push(`    … and ${report.pending.length - MAX_PENDING_LISTED} more`);
    }
  }
  const ev = report.newestEval;
  if (ev && ev.scheduled > 0) {
    const of = ev.total === null ? "" : ` of ${ev.total}`;
    lines.push(
      `  the newest eval of ${ev.project}/${ev.jobset} is still building: ${ev.scheduled}${of} builds scheduled`,
    );
  } else if (ev) {
    lines.push(`  the newest eval of ${ev.project}/${ev.jobset} has finished building`);
  }
  return lines;
}
