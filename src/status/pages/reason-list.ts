import { html } from "hono/html";
import { describeReason } from "../../channels/describe-decision.ts";
import type { BlockReason } from "../../domain/decision.ts";
import type { Html } from "./layout.ts";

function reasonItems(reason: BlockReason): Html {
  if (reason.kind === "constituents-failed") {
    return html`${reason.failed.map((f) => html`<li><a href="${f.url}">${f.job}</a> ${f.statusText}</li>`)}`;
  }
  return html`<li>${describeReason(reason)}</li>`;
}

/** Why a channel does not move, one line per failing constituent, linked to Hydra. */
export function reasonList(reasons: BlockReason[]): Html {
  return reasons.length ? html`<ul class="reasons">${reasons.map(reasonItems)}</ul>` : html``;
}
