import { html } from "hono/html";
import type { ReleaseProgress } from "../../db/schema.ts";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import type { FailingStreak, PendingConstituent, ReleasePull } from "../channel-extras.ts";
import { formatAge } from "../format-age.ts";
import type { ChannelLag } from "../lag/lag-schema.ts";
import type { ChannelDetail } from "../read-model/channel-detail.ts";
import { auditTable, heldNotice } from "./admin-sections.ts";
import { alertList } from "./alert-list.ts";
import { blockerBanner } from "./blocker-banner.ts";
import { githubHref } from "./github-href.ts";
import { jobStrip } from "./job-strip.ts";
import { lagCharts } from "./lag-charts.ts";
import { commitLink, type Html, layout, type PageContext } from "./layout.ts";
import { reasonList } from "./reason-list.ts";
import { timeTag } from "./time-tag.ts";
import { unblockSection } from "./unblock-section.ts";

/** What the channel page shows beyond `/api/v1/channels/{channel}`. */
export interface ChannelPageExtras {
  lag: ChannelLag;
  lagUrl: string;
  failing: FailingStreak[];
  pending: PendingConstituent[];
  pulls: Map<string, ReleasePull[]>;
}

/** How many PRs a release lists before "and N more" (a big release brings hundreds). */
const PULLS_SHOWN = 15;

function gateFacts(d: ChannelDetail, x: ChannelPageExtras, hydraUrl: string, now: Date): Html {
  const gate = d.funnel.newestGate;
  if (!gate) return html`none seen`;
  const newest = d.jobHistory.at(-1);
  const counts = newest?.buildId === gate.buildId ? newest.constituents : null;
  const state = gate.finished
    ? gate.buildstatus === 0
      ? "finished, passed"
      : "finished, failed"
    : "building";
  return html`<a href="${hydraUrl}/build/${gate.buildId}">${gate.releaseName ?? gate.buildId}</a> ${state}
    ${counts ? html`<br /><span aria-label="${counts.passed} passed, ${counts.failed} failed, ${counts.pending} pending">✔ ${counts.passed} ✖ ${counts.failed} ⧖ ${counts.pending}</span>` : ""}
    ${
      x.failing.length
        ? html`<ul>${x.failing.map(
            (f) =>
              html`<li class="failing"><a href="${f.url ?? `${hydraUrl}/build/${f.buildId}`}">${f.job}</a> (${f.system}) ${f.statusText}${
                f.firstFailingEval
                  ? html`, failing since eval <a href="${hydraUrl}/eval/${f.firstFailingEval}">${f.firstFailingEval}</a>`
                  : ""
              }${f.failingSince ? html` (${timeTag(f.failingSince, now)})` : ""}</li>`,
          )}</ul>`
        : ""
    }
    ${
      x.pending.length
        ? html`<ul>${x.pending.map(
            (p) =>
              html`<li class="pending"><a href="${hydraUrl}/build/${p.buildId}">${p.job}</a> (${p.system}) pending${p.queuedAt ? html` since ${timeTag(p.queuedAt, now)}` : ""}</li>`,
          )}</ul>`
        : ""
    }`;
}

function funnel(
  ctx: PageContext,
  d: ChannelDetail,
  x: ChannelPageExtras,
  hydraUrl: string,
  now: Date,
): Html {
  const { sourceBranch, branch } = d.funnel;
  const release = d.releases[0];
  return html`<ol class="funnel">
    <li><strong>${sourceBranch.name}</strong><br />${commitLink(ctx, sourceBranch.head)}<br />${x.lag.current.behind.commits} commits not in the channel yet</li>
    <li><strong>newest Hydra gate</strong><br />${gateFacts(d, x, hydraUrl, now)}</li>
    <li><strong>release</strong><br />${release ? html`${release.name} (${release.state})` : "none"}</li>
    <li><strong>${branch.name}</strong><br />${commitLink(ctx, branch.head)}</li>
  </ol>`;
}

function pullList(pulls: ReleasePull[] | undefined): Html | string {
  if (!pulls?.length) return "";
  const shown = pulls.slice(0, PULLS_SHOWN).map((p) => {
    const href = githubHref(p.url);
    return html`<li>${href ? html`<a href="${href}">#${p.number}</a>` : `#${p.number}`} ${p.title}</li>`;
  });
  const more = pulls.length - PULLS_SHOWN;
  return html`<ul>${shown}${more > 0 ? html`<li>and ${more} more</li>` : ""}</ul>`;
}

function releaseTable(
  ctx: PageContext,
  d: ChannelDetail,
  x: ChannelPageExtras,
  hydraUrl: string,
  now: Date,
): Html {
  return html`<div class="table-wrap"><table class="responsive"><thead><tr><th scope="col">Release</th><th scope="col">Revision</th><th scope="col">State</th><th scope="col">Hydra eval</th><th scope="col">Published</th><th scope="col">Brought</th></tr></thead>
<tbody>${d.releases.map(
    (
      r,
    ) => html`<tr><td data-label="Release">${r.name}</td><td data-label="Revision">${commitLink(ctx, r.revision)}</td>
      <td data-label="State">${r.state}${r.lastError ? html`: ${r.lastError.message}` : ""}${progressNote(r.progress)}</td>
      <td data-label="Hydra eval"><a href="${hydraUrl}/eval/${r.evalId}">${r.evalId}</a></td>
      <td data-label="Published">${r.publishedAt ? timeTag(r.publishedAt, now) : ""}</td>
      <td data-label="Brought">${pullList(x.pulls.get(r.name))}</td></tr>`,
  )}</tbody></table></div>`;
}

/** One channel: where it stands and why, its lag charts, the funnel, releases, events and admin log. */
export function channelPage(
  ctx: PageContext,
  d: ChannelDetail,
  x: ChannelPageExtras,
  hydraUrl: string,
  now: Date,
  blockers: BlockerIssue[] = [],
): Html {
  const ch = d.channel;
  const oldest = x.lag.current.behind.oldest;
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
        ? html`Serving <a href="${ch.release.url}">${ch.release.name}</a>, updated ${timeTag(ch.release.publishedAt, now)};
            revision ${commitLink(ctx, ch.release.revision)} from ${timeTag(ch.release.revisionCommittedAt, now)}.`
        : "No release published yet."
    }
  ${x.lag.current.behind.commits} commits behind <code>${x.lag.sourceBranch}</code>${
    oldest
      ? html`, the oldest ${commitLink(ctx, oldest.sha)} from ${formatAge(oldest.ageSeconds)} ago`
      : ""
  }.</p>
<h2>Pipeline</h2>
${funnel(ctx, d, x, hydraUrl, now)}
${unblockSection(ch.unblock)}
<h2>Lag</h2>
<p><small>JSON: <a href="${x.lagUrl}">${x.lagUrl}</a></small></p>
${lagCharts(x.lag, x.lagUrl)}
<h2>Hydra job, last 30 days</h2>
${jobStrip(d.jobHistory)}
<h2 id="releases">Releases</h2>
${releaseTable(ctx, d, x, hydraUrl, now)}
<h2>Alerts</h2>
${alertList(d.alerts)}
<h2>Events</h2>
<ul>${d.events.map((e) => html`<li>${timeTag(e.at, now)} ${e.summary}</li>`)}</ul>
${d.audit.length ? html`<h2>Admin actions</h2>${auditTable(d)}` : ""}`,
    ctx,
  );
}

/** "programs.sqlite: 1200/240000 store paths, 3 skipped (no .ls)" while the index runs, and after. */
function progressNote(p: ReleaseProgress | null) {
  if (!p) return "";
  return html`<br /><small>${p.task}: ${p.done}/${p.total} store paths, ${p.skipped} skipped (no .ls)</small>`;
}
