import { html } from "hono/html";
import type {
  ConstituentExplanation,
  FirstBadRange,
  UnblockReport,
} from "../../unblock/unblock-types.ts";
import { githubHref } from "./github-href.ts";
import type { Html } from "./layout.ts";

/** Commits a range lists on the page before "and N more" (the compare link has them all). */
const COMMITS_SHOWN = 20;

function rangeBlock(r: FirstBadRange): Html {
  const compare = githubHref(r.compareUrl);
  const shown = (r.commits ?? []).slice(0, COMMITS_SHOWN);
  const more = (r.total ?? r.commits?.length ?? 0) - shown.length;
  return html`<p>First-bad range: ${compare ? html`<a href="${compare}">${r.base.slice(0, 12)}…${r.head.slice(0, 12)}</a>` : `${r.base.slice(0, 12)}…${r.head.slice(0, 12)}`}${
    r.total !== null ? `, ${r.total} commit${r.total === 1 ? "" : "s"}` : ""
  }${r.note ? html` <small>(${r.note})</small>` : ""}</p>
  ${
    shown.length
      ? html`<ul class="range">${shown.map((c) => {
          const href = githubHref(c.url);
          return html`<li>${href ? html`<a href="${href}"><code>${c.sha.slice(0, 12)}</code></a>` : html`<code>${c.sha.slice(0, 12)}</code>`}${c.pulls.map(
            (p) => {
              const pr = githubHref(p.url);
              return html` ${pr ? html`<a href="${pr}">#${p.number}</a>` : `#${p.number}`} ${p.title}`;
            },
          )}</li>`;
        })}${more > 0 ? html`<li>and ${more} more</li>` : ""}</ul>`
      : ""
  }${r.pullsUnknown > 0 ? html`<p><small>${r.pullsUnknown} commits without a known PR</small></p>` : ""}`;
}

function constituent(c: ConstituentExplanation): Html {
  return html`<li class="unblock ${c.verdict.kind}"><a href="${c.url}">${c.job}</a>:
    <strong>${c.verdict.text}</strong>
    <br /><span class="strip" aria-label="results over the last ${c.evals} evals, oldest first">${c.strip}</span>
    <small>flakiness ${Math.round(c.flakiness * 100)} %, ${c.restartsPassed} passed on restart</small>
    ${c.range ? rangeBlock(c.range) : ""}</li>`;
}

/**
 * The unblock assistant on the channel page: per failing constituent its verdict, its last evals
 * (✔ passed, ↻ passed on restart, ✖ failed, ⧖ pending, · absent) and, for a consistent failure, the
 * first-bad range. Restarts happen on Hydra: each job links to its build there.
 */
export function unblockSection(report: UnblockReport | null): Html | string {
  if (!report || report.constituents.length === 0) return "";
  return html`<h2 id="unblock">Unblock</h2>
<p>Eval ${report.evalId}: each failing constituent over the last ${report.window} evals (✔ passed, ↻ passed on restart, ✖ failed, ⧖ pending, · not in that eval). floodgate never restarts builds; restart them on Hydra.</p>
<ul>${report.constituents.map(constituent)}</ul>`;
}
