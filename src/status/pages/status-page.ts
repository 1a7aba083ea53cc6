import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { BlockReason } from "../../channels/decision.ts";
import { describeReason } from "../../channels/describe-decision.ts";
import type { ChannelStatus } from "../channel-status.ts";
import { ageClass, formatAge } from "../format-age.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = raw(`
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1f24; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
  code { font-size: 13px; } .fresh { color: #1a7f37; } .aging { color: #bc4c00; } .stale { color: #cf222e; }
  .state { font-weight: 600; } .blocked, .error { color: #cf222e; } .advanced, .idle { color: #1a7f37; }
  .unmaintained { opacity: .6; } ul.reasons { margin: .3rem 0 0 1rem; padding: 0; }
  @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } th, td { border-color: #30363d; } a { color: #58a6ff; } }
`);

function reasonItem(reason: BlockReason): Html {
  if (reason.kind === "constituents-failed") {
    return html`${reason.failed.map(
      (f) => html`<li><a href="${f.url}">${f.job}</a> ${f.statusText}</li>`,
    )}`;
  }
  return html`<li>${describeReason(reason)}</li>`;
}

function channelRow(ch: ChannelStatus): Html {
  const rev = ch.release?.revision;
  return html`<tr class="${ch.status}" data-channel="${ch.name}">
    <td><a href="/channels/${ch.name}"><code>${ch.name}</code></a><br /><small>${ch.status}</small></td>
    <td class="${ageClass(ch.updateAgeSeconds)}" title="${ch.release?.publishedAt ?? ""}">${formatAge(ch.updateAgeSeconds)}</td>
    <td>${
      rev
        ? html`<a href="https://github.com/NixOS/nixpkgs/commit/${rev}"><code>${rev.slice(0, 12)}</code></a><br /><small>${formatAge(ch.revisionAgeSeconds)} old</small>`
        : "none yet"
    }</td>
    <td><code>${ch.job}</code></td>
    <td><span class="state ${ch.state}">${ch.state}</span> ${ch.summary}
      ${ch.reasons.length ? html`<ul class="reasons">${ch.reasons.map(reasonItem)}</ul>` : ""}</td>
  </tr>`;
}

/** The status overview: each channel, its age, its revision, and why it is not moving. */
export function statusPage(channels: ChannelStatus[], generatedAt: Date): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>floodgate: Nix channel status</title><style>${STYLE}</style></head>
<body>
<h1>Nix channel status</h1>
<table>
<thead><tr><th>Channel</th><th>Last updated</th><th>Commit</th><th>Hydra job</th><th>State</th></tr></thead>
<tbody>${channels.map(channelRow)}</tbody>
</table>
<p><small>Generated ${generatedAt.toISOString()}. JSON: <a href="/api/v1/channels">/api/v1/channels</a></small></p>
</body></html>`;
}
