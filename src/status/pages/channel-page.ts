import { html } from "hono/html";
import type { ReleaseProgress } from "../../db/schema.ts";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import { formatAge } from "../format-age.ts";
import type { ChannelDetail } from "../read-model/channel-detail.ts";
import { auditTable, heldNotice } from "./admin-sections.ts";
import { alertList } from "./alert-list.ts";
import { blockerBanner } from "./blocker-banner.ts";
import { commitLink, type Html, layout, type PageContext } from "./layout.ts";
import { reasonList } from "./reason-list.ts";

function funnel(ctx: PageContext, d: ChannelDetail, hydraUrl: string): Html {
  const { sourceBranch, newestGate, branch } = d.funnel;
  const gate = newestGate
    ? html`<a href="${hydraUrl}/build/${newestGate.buildId}">${newestGate.releaseName ?? newestGate.buildId}</a>
        ${newestGate.finished ? (newestGate.buildstatus === 0 ? "passed" : "failed") : "building"}`
    : "none seen";
  const release = d.releases[0];
  return html`<ol class="funnel">
    <li>${sourceBranch.name}<br />${commitLink(ctx, sourceBranch.head)}</li>
    <li>newest Hydra gate<br />${gate}</li>
    <li>release<br />${release ? html`${release.name} (${release.state})` : "none"}</li>
    <li>${branch.name}<br />${commitLink(ctx, branch.head)}</li>
  </ol>`;
}

const RESULT_CLASS = { passed: "pass", failed: "fail", pending: "wait" } as const;

/** One cell per gate build, like status.nixos.org's strip; the title says what happened. */
function jobStrip(d: ChannelDetail): Html {
  if (d.jobHistory.length === 0) return html`<p>No Hydra results recorded in the last 30 days.</p>`;
  return html`<p class="strip">${d.jobHistory.map((e) => {
    const failing = e.failing.map((f) => f.job).join(", ");
    const title = `${e.releaseName ?? e.buildId}: ${e.statusText}${failing ? ` (${failing})` : ""}`;
    return html`<a class="${RESULT_CLASS[e.result]}" href="${e.url ?? "#"}" title="${title}"></a>`;
  })}</p>`;
}

/** One channel: where it stands, why, its funnel from master to branch, history and events. */
export function channelPage(
  ctx: PageContext,
  d: ChannelDetail,
  hydraUrl: string,
  blockers: BlockerIssue[] = [],
): Html {
  const ch = d.channel;
  return layout(
    `${ch.name}: floodgate`,
    html`<p><a href="/">All channels</a></p>
<h1><code>${ch.name}</code></h1>
${blockerBanner(blockers, ch.name)}
<p>${ch.status}${ch.variant ? `, ${ch.variant}` : ""}; Hydra job
  <a href="${hydraUrl}/job/${ch.job}#tabs-constituents"><code>${ch.job}</code></a>; branch <code>${ch.branch}</code></p>
${heldNotice(d)}
<p><span class="state ${ch.state}">${ch.state}</span> ${ch.summary}</p>
${reasonList(ch.reasons, ch.notes)}
<p>${
      ch.release
        ? html`Serving <a href="${ch.release.url}">${ch.release.name}</a>, updated ${formatAge(ch.updateAgeSeconds)} ago;
            revision ${commitLink(ctx, ch.release.revision)} is ${formatAge(ch.revisionAgeSeconds)} old.`
        : "No release published yet."
    }</p>
<h2>Pipeline</h2>
${funnel(ctx, d, hydraUrl)}
<h2>Hydra job, last 30 days</h2>
${jobStrip(d)}
<h2>Releases</h2>
<table><thead><tr><th>Release</th><th>Revision</th><th>State</th><th>Hydra eval</th><th>Published</th></tr></thead>
<tbody>${d.releases.map(
      (r) => html`<tr><td>${r.name}</td><td>${commitLink(ctx, r.revision)}</td>
        <td>${r.state}${r.lastError ? html`: ${r.lastError.message}` : ""}${progressNote(r.progress)}</td>
        <td><a href="${hydraUrl}/eval/${r.evalId}">${r.evalId}</a></td><td>${r.publishedAt ?? ""}</td></tr>`,
    )}</tbody></table>
<h2>Alerts</h2>
${alertList(d.alerts)}
<h2>Events</h2>
<ul>${d.events.map((e) => html`<li><time>${e.at}</time> ${e.summary}</li>`)}</ul>
<h2>Admin actions</h2>
${auditTable(d)}`,
    ctx,
  );
}

/** "programs.sqlite: 1200/240000 store paths, 3 skipped (no .ls)" while the index runs, and after. */
function progressNote(p: ReleaseProgress | null) {
  if (!p) return "";
  return html`<br /><small>${p.task}: ${p.done}/${p.total} store paths, ${p.skipped} skipped (no .ls)</small>`;
}
