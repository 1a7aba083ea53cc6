import { html } from "hono/html";
import type { BlockerIssue } from "../blockers/blocker-issues-model.ts";
import type { Html } from "./layout.ts";

/**
 * The open `1.severity: channel blocker` issues, as status.nixos.org shows them above its table:
 * every one on the overview (`channel` unset), on a channel's page those that name it.
 */
export function blockerBanner(issues: BlockerIssue[], channel?: string): Html {
  const shown = channel ? issues.filter((i) => i.channels.includes(channel)) : issues;
  if (shown.length === 0) return html``;
  const item = (i: BlockerIssue) => {
    const title = html`#${i.number}: ${i.title}`;
    const where =
      !channel && i.channels.length ? html` <small>(${i.channels.join(", ")})</small>` : "";
    return html`<li>${i.url ? html`<a href="${i.url}">${title}</a>` : title}${where}</li>`;
  };
  return html`<section class="blockers" aria-label="Channel blockers"><h2>Open channel blockers</h2>
<ul>${shown.map(item)}</ul></section>`;
}
