import { html } from "hono/html";
import { formatAge } from "../format-age.ts";
import type { Eta, MergeSource } from "../landings/advance-cadence.ts";
import type { ChannelLanding } from "../landings/channel-landing.ts";
import type { CommitReport, CommitSummary, PullSummary } from "../landings/commit-landing.ts";
import type { NodeLanding } from "../landings/graph-landing.ts";
import type { Shortfall } from "../landings/partial-answer.ts";
import type { PullReport } from "../landings/pull-landing.ts";
import { githubHref } from "./github-href.ts";
import { type Html, layout, type PageContext } from "./layout.ts";
import { subscribeForm } from "./subscription-page.ts";

const secondsBetween = (from: Date, to: string) =>
  Math.round(Math.abs(new Date(to).getTime() - from.getTime()) / 1000);

function page(ctx: PageContext, title: string, body: Html): Html {
  return layout(`${title} · floodgate`, html`<p><a href="/">← all channels</a></p>${body}`, ctx);
}

const inAbout = (now: Date, at: string) =>
  html`≈ in ${formatAge(secondsBetween(now, at))} (<time datetime="${at}">${at}</time>)`;

const mergesFrom = (source: MergeSource) =>
  source === "merge-commits" ? "seen as merge commits pushed" : "by pull request";

/** An ETA in words, with what it rests on and how many samples. */
function etaText(eta: Eta, now: Date): Html {
  switch (eta.kind) {
    case "estimate":
      return html`expected around ${eta.at} (in about ${formatAge(secondsBetween(now, eta.at))}; the channel advances every ${formatAge(eta.medianIntervalSeconds)} or so, from ${eta.basedOnReleases} releases)`;
    case "merge-cadence":
      return html`${inAbout(now, eta.at)}: <code>${eta.from}</code> is merged in every ${formatAge(eta.medianIntervalSeconds)} or so (median of ${eta.basedOnMerges} merges ${mergesFrom(eta.mergeSource)}, the last at ${eta.lastMergeAt})`;
    case "chained":
      return html`${inAbout(now, eta.at)}, after <code>${eta.after}</code> gets it (≈ ${eta.afterAt}), then every ${formatAge(eta.medianIntervalSeconds)} or so (median of ${eta.basedOn} ${eta.cadenceOf}${eta.mergeSource ? html` ${mergesFrom(eta.mergeSource)}` : ""})`;
    case "unknown":
      return html`ETA unknown: ${eta.reason}`;
  }
}

function landingCells(l: ChannelLanding, now: Date): Html {
  switch (l.status) {
    case "landed":
      return l.release
        ? html`<td class="fresh">landed</td><td>in <a href="${l.release.url}"><code>${l.release.name}</code></a>${
            l.release.publishedAt
              ? html`, published ${formatAge(secondsBetween(now, l.release.publishedAt))} ago (${l.release.publishedAt})`
              : ""
          }</td>`
        : html`<td class="fresh">landed</td><td>${l.note ?? ""}</td>`;
    case "pending": {
      const ev = l.evalRunning;
      const evalText = ev
        ? ev.evalId === null
          ? html`the newest Hydra eval ${ev.url ? html`(<a href="${ev.url}">jobset</a>)` : ""} contains it and is building`
          : html`Hydra eval ${ev.url ? html`<a href="${ev.url}">${ev.evalId}</a>` : ev.evalId} contains it and is running`
        : "no running Hydra eval contains it yet";
      return html`<td class="aging">not yet</td><td>${l.behindBy} commit(s) behind; ${evalText}; ${etaText(l.eta, now)}</td>`;
    }
    case "not-on-branch":
      return html`<td class="state">not on its branch</td><td>the channel follows <code>${l.sourceBranch}</code>, which does not contain it yet; ${etaText(l.eta, now)}</td>`;
    case "no-release":
      return html`<td class="state">no release yet</td><td>floodgate has not published this channel yet</td>`;
    case "unknown":
      return html`<td class="state">unknown</td><td>${l.reason}</td>`;
  }
}

function branchCells(n: NodeLanding & { kind: "branch" }, now: Date): Html {
  switch (n.status) {
    case "landed":
      return html`<td class="fresh">landed</td><td>${
        n.at ? html`${formatAge(secondsBetween(now, n.at))} ago (${n.at})` : (n.note ?? "")
      }</td>`;
    case "pending":
      return html`<td class="aging">not yet</td><td>${n.behindBy} commit(s) behind; ${etaText(n.eta, now)}</td>`;
    case "no-branch":
      return html`<td class="state">no such branch</td><td>GitHub has no branch <code>${n.node}</code> now</td>`;
    case "unknown":
      return html`<td class="state">unknown</td><td>${n.reason}</td>`;
  }
}

/** The whole chain in flow order: the base branch, then each branch and channel downstream of it. */
function chainTable(chain: NodeLanding[], now: Date): Html {
  return html`<table class="chain">
<thead><tr><th>Branch or channel</th><th>Status</th><th>Details</th></tr></thead>
<tbody>${chain.map((n) =>
    n.kind === "channel"
      ? html`<tr data-node="${n.node}" data-kind="channel" data-status="${n.status}"><td><a href="/channels/${n.node}"><code>${n.node}</code></a></td>${landingCells(n, now)}</tr>`
      : html`<tr data-node="${n.node}" data-kind="branch" data-status="${n.status}"><td><code>${n.node}</code> (branch)</td>${branchCells(n, now)}</tr>`,
  )}</tbody>
</table>`;
}

/** A partial answer says so above the table, with when to look again. */
function partialNote(partial: Shortfall | undefined): Html | string {
  if (!partial) return "";
  const again = partial.retryAfterSeconds ? ` Try again in ${partial.retryAfterSeconds} s.` : "";
  return html`<p class="partial"><strong>Partial answer:</strong> GitHub could not be asked (${partial.code}), so this comes from what floodgate recorded.${again}</p>`;
}

function commitFacts(ctx: PageContext, commit: CommitSummary): Html {
  return html`<p>Commit <a href="${ctx.repoUrl}/commit/${commit.sha}"><code>${commit.sha}</code></a>, committed ${commit.committedAt}${
    commit.firstSeen
      ? html`; first seen on <code>${commit.firstSeen.branch}</code> at ${commit.firstSeen.at}`
      : ""
  }.</p>`;
}

function pullItem(p: PullSummary): Html {
  const href = githubHref(p.url);
  return html`<li><a href="/prs/${p.number}">#${p.number}</a> ${p.title}${href ? html` (<a href="${href}">GitHub</a>)` : ""}</li>`;
}

/** `/commits/{sha}`: which channels have a commit. */
export function commitPage(ctx: PageContext, report: CommitReport, now: Date): Html {
  const short = report.commit.sha.slice(0, 12);
  return page(
    ctx,
    `Commit ${short}`,
    html`<h1>Has commit <code>${short}</code> landed?</h1>
${commitFacts(ctx, report.commit)}
${report.pulls.length ? html`<p>Brought by:</p><ul>${report.pulls.map(pullItem)}</ul>` : ""}
${partialNote(report.partial)}
${report.bases.length ? html`<p>Entered at <code>${report.bases.join(", ")}</code>; everything downstream, in order:</p>` : ""}
${chainTable(report.chain, now)}
${subscribeForm("commit", report.commit.sha)}
<p><small>JSON: <a href="/api/v1/commits/${report.commit.sha}">/api/v1/commits/${report.commit.sha}</a></small></p>`,
  );
}

/** `/prs/{n}`: which channels have a pull request's merge commit. */
export function pullPage(ctx: PageContext, report: PullReport, now: Date): Html {
  const { pull } = report;
  const state = pull.merged ? `merged into ${pull.baseRef}` : `${pull.state}, not merged`;
  const href = githubHref(pull.url);
  return page(
    ctx,
    `PR #${pull.number}`,
    html`<h1>Has PR ${href ? html`<a href="${href}">#${pull.number}</a>` : `#${pull.number}`} landed?</h1>
<p><strong>${pull.title}</strong> (${state}${pull.mergedAt ? html` at ${pull.mergedAt}` : ""})</p>
${report.commit ? commitFacts(ctx, report.commit) : ""}
${partialNote(report.partial)}
${report.commit ? chainTable(report.chain, now) : html`<p>Not merged, so in no channel yet.</p>`}
${subscribeForm("pr", String(pull.number))}
<p><small>JSON: <a href="/api/v1/prs/${pull.number}">/api/v1/prs/${pull.number}</a></small></p>`,
  );
}

/** The form on the status page, reused on error pages. */
export function lookupForm(value = ""): Html {
  return html`<form class="lookup" action="/landed" method="get"><label>Has my PR landed?
<input name="q" value="${value}" placeholder="PR number or commit sha" size="42" /></label>
<button type="submit">Look up</button></form>`;
}

export function lookupErrorPage(
  ctx: PageContext,
  message: string,
  query: string,
  title = "Not found",
): Html {
  return page(ctx, title, html`<h1>Has my PR landed?</h1><p>${message}</p>${lookupForm(query)}`);
}
