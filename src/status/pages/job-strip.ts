import { html } from "hono/html";
import type { JobHistoryEntry } from "../../hydra/job-history.ts";
import type { Html } from "./layout.ts";

const RESULT_CLASS = { passed: "pass", failed: "fail", pending: "wait" } as const;

/** "12 passed, 2 failed, 1 building": the strip in words, for screen readers and tooltips. */
export function stripSummary(entries: JobHistoryEntry[]): string {
  const count = (r: JobHistoryEntry["result"]) => entries.filter((e) => e.result === r).length;
  return `${count("passed")} passed, ${count("failed")} failed, ${count("pending")} building`;
}

function cellTitle(e: JobHistoryEntry): string {
  const failing = e.failing.map((f) => f.job).join(", ");
  return `${e.releaseName ?? e.buildId}: ${e.statusText}${failing ? ` (${failing})` : ""}`;
}

/** The channel page's strip: one linked cell per gate build, like status.nixos.org's. */
export function jobStrip(entries: JobHistoryEntry[]): Html {
  if (entries.length === 0) return html`<p>No Hydra results recorded in the last 30 days.</p>`;
  return html`<p class="strip" aria-label="Hydra, last 30 days: ${stripSummary(entries)}">${entries.map(
    (e) =>
      html`<a class="${RESULT_CLASS[e.result]}" href="${e.url ?? "#"}" title="${cellTitle(e)}" aria-label="${cellTitle(e)}"></a>`,
  )}</p>`;
}

/** The overview's strip: one link to the channel's page, its cells only drawn (one tab stop). */
export function compactJobStrip(entries: JobHistoryEntry[], channelHref: string): Html {
  if (entries.length === 0) return html`<small>no results</small>`;
  const summary = stripSummary(entries);
  return html`<a class="strip-link" href="${channelHref}" title="${summary}"><span class="strip" role="img" aria-label="Hydra, last 30 days: ${summary}">${entries.map(
    (e) => html`<span class="${RESULT_CLASS[e.result]}"></span>`,
  )}</span></a>`;
}
