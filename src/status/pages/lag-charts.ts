import { html } from "hono/html";
import { formatAge } from "../format-age.ts";
import { dailyPeaks, dailyStepPeaks } from "../lag/daily-peaks.ts";
import type { ChannelLag } from "../lag/lag-schema.ts";
import type { Html } from "./layout.ts";

const DAY_MS = 86_400_000;
const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;

/** A chart drawn by web/main.ts from the lag JSON, with its summary and data table in the page. */
function figure(kind: string, lagUrl: string, caption: string, summary: string, table: Html): Html {
  return html`<figure class="chart" id="chart-${kind}">
<figcaption>${caption}</figcaption>
<div class="canvas-box" hidden><canvas data-chart="${kind}" data-lag-url="${lagUrl}" role="img" aria-label="${caption}: ${summary}"></canvas></div>
<p>${summary}</p>
<details><summary>Data as a table</summary><div class="table-wrap">${table}</div></details>
</figure>`;
}

function dailyTable(lag: ChannelLag, header: string, values: number[]): Html {
  const from = Date.parse(lag.from);
  const rows = values.map((v, i) => [new Date(from + i * DAY_MS).toISOString().slice(0, 10), v]);
  return html`<table><thead><tr><th scope="col">Day (UTC)</th><th scope="col">${header}</th></tr></thead>
<tbody>${rows.reverse().map(([day, v]) => html`<tr><td>${day}</td><td>${v}</td></tr>`)}</tbody></table>`;
}

/** The channel page's four lag charts: age sawtooth, commits behind, weekly latency, advances. */
export function lagCharts(lag: ChannelLag, lagUrl: string): Html {
  const to = new Date(lag.to);
  const ages = dailyPeaks(lag.revisionAge, to, lag.days);
  const behind = dailyStepPeaks(lag.behind, to, lag.days);
  const now = lag.current;
  const intervals = lag.advances
    .slice(1)
    .map((a, i) => Date.parse(a.at) - Date.parse(lag.advances[i]?.at ?? a.at));
  const medianGap = intervals.sort((a, b) => a - b)[Math.floor(intervals.length / 2)];
  return html`<div class="charts">
${figure(
  "revision-age",
  lagUrl,
  `Revision age, last ${lag.days} days`,
  `Now ${formatAge(now.revisionAgeSeconds)} (updated ${formatAge(now.updateAgeSeconds)} ago); daily peak up to ${Math.max(0, ...ages)} days.`,
  dailyTable(lag, "Peak revision age (days)", ages),
)}
${figure(
  "behind",
  lagUrl,
  `Commits behind ${lag.sourceBranch}, last ${lag.days} days`,
  `Now ${now.behind.commits} commits behind; daily peak up to ${Math.max(0, ...behind)}.`,
  dailyTable(lag, "Most commits behind", behind),
)}
${figure(
  "latency",
  lagUrl,
  "Commit latency per week (first seen on the branch → first release)",
  lag.latency.length
    ? `Last week: p50 ${hours(lag.latency.at(-1)?.p50Seconds ?? 0)}, p90 ${hours(lag.latency.at(-1)?.p90Seconds ?? 0)}.`
    : "No commits landed in this window.",
  html`<table><thead><tr><th scope="col">Week from</th><th scope="col">Commits</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">Max</th></tr></thead>
<tbody>${[...lag.latency]
    .reverse()
    .map(
      (w) =>
        html`<tr><td>${w.weekStart.slice(0, 10)}</td><td>${w.commits}</td><td>${hours(w.p50Seconds)}</td><td>${hours(w.p90Seconds)}</td><td>${hours(w.maxSeconds)}</td></tr>`,
    )}</tbody></table>`,
)}
${figure(
  "advances",
  lagUrl,
  `Advances, last ${lag.days} days`,
  `${lag.advances.length} advances${medianGap ? `, typically ${formatAge(Math.round(medianGap / 1000))} apart` : ""}.`,
  html`<table><thead><tr><th scope="col">Published (UTC)</th><th scope="col">Release</th><th scope="col">Commits brought</th></tr></thead>
<tbody>${[...lag.advances]
    .reverse()
    .map(
      (a) =>
        html`<tr><td>${a.at.slice(0, 16).replace("T", " ")}</td><td>${a.release}</td><td>${a.commits}</td></tr>`,
    )}</tbody></table>`,
)}
</div>`;
}
