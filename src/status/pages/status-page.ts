import { html } from "hono/html";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import { ageClass, formatAge } from "../format-age.ts";
import type { ChannelStatus } from "../read-model/channel-status.ts";
import { blockerBanner } from "./blocker-banner.ts";
import { lookupForm } from "./landing-page.ts";
import { commitLink, type Html, layout, type PageContext } from "./layout.ts";
import { reasonList } from "./reason-list.ts";

function channelRow(ctx: PageContext, ch: ChannelStatus): Html {
  const rev = ch.release?.revision;
  return html`<tr class="${ch.status}" data-channel="${ch.name}">
    <td><a href="/channels/${ch.name}"><code>${ch.name}</code></a><br /><small>${ch.status}</small></td>
    <td class="${ageClass(ch.updateAgeSeconds)}" title="${ch.release?.publishedAt ?? ""}">${formatAge(ch.updateAgeSeconds)}</td>
    <td>${
      rev
        ? html`${commitLink(ctx, rev)}<br /><small>${formatAge(ch.revisionAgeSeconds)} old</small>`
        : "none yet"
    }</td>
    <td><code>${ch.job}</code></td>
    <td><span class="state ${ch.state}">${ch.state}</span> ${ch.summary}
      ${reasonList(ch.reasons, ch.notes)}</td>
  </tr>`;
}

/** The status overview: each channel, its age, its revision, and why it is not moving. */
export function statusPage(
  ctx: PageContext,
  channels: ChannelStatus[],
  generatedAt: Date,
  blockers: BlockerIssue[] = [],
): Html {
  return layout(
    "floodgate: Nix channel status",
    html`<h1>Nix channel status</h1>
${blockerBanner(blockers)}
${lookupForm()}
<table>
<thead><tr><th>Channel</th><th>Last updated</th><th>Commit</th><th>Hydra job</th><th>State</th></tr></thead>
<tbody>${channels.map((ch) => channelRow(ctx, ch))}</tbody>
</table>
<p><small>Generated ${generatedAt.toISOString()}. JSON: <a href="/api/v1/channels">/api/v1/channels</a></small></p>`,
    ctx,
  );
}
