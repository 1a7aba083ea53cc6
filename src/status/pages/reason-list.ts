import { html } from "hono/html";
import {
  ALL_CONSTITUENTS_POLICY,
  describeNote,
  describeReason,
} from "../../channels/describe-decision.ts";
import type { BlockReason, DecisionNote } from "../../domain/decision.ts";
import type { Html } from "./layout.ts";

function reasonItems(reason: BlockReason): Html {
  if (reason.kind === "constituents-failed") {
    const policy = reason.policy
      ? html`<li class="policy">${ALL_CONSTITUENTS_POLICY}</li>`
      : html``;
    return html`${reason.failed.map((f) => html`<li><a href="${f.url}">${f.job}</a> ${f.statusText}</li>`)}${policy}`;
  }
  return html`<li>${describeReason(reason)}</li>`;
}

/** Why a channel does not move, one line per failing constituent, linked to Hydra; then notes. */
export function reasonList(reasons: BlockReason[], notes: DecisionNote[] = []): Html {
  const items = [
    ...reasons.map(reasonItems),
    ...notes.map((n) => html`<li class="note">${describeNote(n)}</li>`),
  ];
  return items.length ? html`<ul class="reasons">${items}</ul>` : html``;
}
