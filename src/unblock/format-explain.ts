import type { UnblockReport } from "./unblock-types.ts";

const RANGE_LINES = 10;

/** `floodgate hydra <channel> --explain` as text: one block per failing constituent. */
export function formatExplain(report: UnblockReport): string[] {
  if (report.constituents.length === 0) return ["  unblock: no failing constituent to explain"];
  const lines = [
    `  unblock, eval ${report.evalId}, last ${report.window} evals oldest first (✔ passed, ↻ passed on restart, ✖ failed, ⧖ pending, · absent):`,
  ];
  for (const c of report.constituents) {
    lines.push(`  ${c.strip} ${c.job}`);
    lines.push(`      ${c.verdict.text}`);
    lines.push(
      `      flakiness ${Math.round(c.flakiness * 100)} %; restart it on Hydra if you agree: ${c.url}`,
    );
    const r = c.range;
    if (!r) continue;
    const count = r.total === null ? "" : ` (${r.total} commits)`;
    lines.push(`      first-bad range${count}: ${r.compareUrl}${r.note ? ` (${r.note})` : ""}`);
    for (const commit of (r.commits ?? []).slice(0, RANGE_LINES)) {
      const prs = commit.pulls.map((p) => `#${p.number} ${p.title}`).join("; ");
      lines.push(`        ${commit.sha.slice(0, 12)} ${prs}`.trimEnd());
    }
    const more = (r.commits?.length ?? 0) - RANGE_LINES;
    if (more > 0) lines.push(`        and ${more} more`);
  }
  return lines;
}
