import { html } from "hono/html";
import { describeReason } from "../../channels/describe-decision.ts";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import { ageClass, formatAge } from "../format-age.ts";
import { isCurrent, type OverviewRow } from "../overview.ts";
import type { ChannelStatus } from "../read-model/channel-status.ts";
import { blockerBanner } from "./blocker-banner.ts";
import { compactJobStrip } from "./job-strip.ts";
import { lookupForm } from "./landing-page.ts";
import { commitLink, type Html, layout, type PageContext } from "./layout.ts";
import { timeTag, utcText } from "./time-tag.ts";

/** Age colours as status.nixos.org has them, by update age; none for an unmaintained channel. */
export function rowAgeClass(ch: ChannelStatus): string {
  return ch.status === "unmaintained" ? "" : `age-${ageClass(ch.updateAgeSeconds)}`;
}

/** Why a channel does not move, in one line: the first failing constituent, or the decision. */
export function whyLine(ch: ChannelStatus): Html | string {
  const reason = ch.reasons[0];
  if (!reason) return ch.summary;
  if (reason.kind === "constituents-failed") {
    const [first, ...rest] = reason.failed;
    if (first) {
      return html`<a href="${first.url}">${first.job}</a> ${first.statusText}${rest.length ? ` (+${rest.length} more)` : ""}`;
    }
  }
  return describeReason(reason);
}

function sparkline(row: OverviewRow): Html {
  const peak = Math.max(0, ...row.ageByDay);
  const latest = row.ageByDay.at(-1) ?? 0;
  const summary = `revision age over 30 days: peak ${peak} days, now ${latest} days`;
  return html`<canvas class="spark" width="128" height="32" data-spark="${row.ageByDay.join(",")}" role="img" aria-label="${summary}" hidden></canvas><small>peak ${peak} d</small>`;
}

function channelRow(ctx: PageContext, row: OverviewRow, now: Date): Html {
  const ch = row.channel;
  const rev = ch.release?.revision ?? null;
  const href = `/channels/${ch.name}`;
  const oldest = row.behind.oldest;
  return html`<tr class="${ch.status} ${rowAgeClass(ch)}" data-channel="${ch.name}">
    <td data-label="Channel"><a href="${href}"><code>${ch.name}</code></a><br /><small>${ch.status}</small></td>
    <td data-label="Updated" class="${ch.status === "unmaintained" ? "" : ageClass(ch.updateAgeSeconds)}">${timeTag(ch.release?.publishedAt ?? null, now)}</td>
    <td data-label="Revision from">${timeTag(ch.release?.revisionCommittedAt ?? null, now)}<br />${commitLink(ctx, rev)}</td>
    <td data-label="Behind ${row.sourceBranch}">${row.behind.commits} commits${
      oldest ? html`<br /><small>oldest ${formatAge(oldest.ageSeconds)} old</small>` : ""
    }</td>
    <td data-label="Lag, 30 days">${sparkline(row)}</td>
    <td data-label="Hydra, 30 days">${compactJobStrip(row.strip, href)}</td>
    <td data-label="State"><span class="state ${ch.state}">${ch.state}</span><p class="why">${whyLine(ch)}</p></td>
  </tr>`;
}

function channelTable(ctx: PageContext, rows: OverviewRow[], now: Date, caption: string): Html {
  return html`<div class="table-wrap"><table class="responsive">
<caption class="muted">${caption}</caption>
<thead><tr><th scope="col">Channel</th><th scope="col">Updated</th><th scope="col">Revision from</th><th scope="col">Behind</th><th scope="col">Lag, 30 days</th><th scope="col">Hydra, 30 days</th><th scope="col">State</th></tr></thead>
<tbody>${rows.map((r) => channelRow(ctx, r, now))}</tbody>
</table></div>`;
}

/**
 * The status overview: current channels first, each with when it was updated (publish) beside
 * when its revision is from (commit), how far behind it is, its lag and Hydra strip, and why it
 * does not move; deprecated and unmaintained channels folded below.
 */
export function statusPage(
  ctx: PageContext,
  rows: OverviewRow[],
  now: Date,
  blockers: BlockerIssue[] = [],
): Html {
  const current = rows.filter((r) => isCurrent(r.channel.status));
  const older = rows.filter((r) => !isCurrent(r.channel.status));
  return layout(
    "floodgate: Nix channel status",
    html`<h1>Nix channel status</h1>
${blockerBanner(blockers)}
${lookupForm()}
${channelTable(ctx, current, now, "Current channels. Updated: when the release was published; revision from: when its commit was made.")}
${
  older.length
    ? html`<details class="older"><summary>Deprecated and unmaintained channels (${older.length})</summary>
${channelTable(ctx, older, now, "Channels no longer maintained or about to be.")}</details>`
    : ""
}
<p><small>Generated <time datetime="${now.toISOString()}">${utcText(now.toISOString())}</time>. JSON: <a href="/api/v1/channels">/api/v1/channels</a></small></p>`,
    ctx,
  );
}
