import { html } from "hono/html";
import type { ChannelDetail } from "../read-model/channel-detail.ts";
import type { Html } from "./layout.ts";

const by = (d: ChannelDetail, action: string) => {
  const entry = d.audit.find((e) => e.action === action);
  return entry ? ` by ${entry.actor} at ${entry.at}` : "";
};

/** A freeze or pin, said first: it overrides whatever Hydra says. */
export function heldNotice(d: ChannelDetail): Html {
  const { frozen, pin, branch } = d.channel;
  const head = d.funnel.branch.head;
  return html`${
    frozen
      ? html`<p class="held"><strong>Frozen</strong>${by(d, "freeze")}: ${frozen.reason}.
        floodgate does not advance this channel until an admin unfreezes it.</p>`
      : ""
  }${
    pin
      ? html`<p class="held"><strong>Pinned to ${pin.release}</strong>${by(d, "pin")}${pin.reason ? html`: ${pin.reason}` : ""}.
        Users are served ${pin.release}. The branch <code>${branch}</code> is not forced back: it stays at
        <code>${head ? head.slice(0, 12) : "its head"}</code>, where the newest release put it, and floodgate
        does not move it until the channel is unpinned.</p>`
      : ""
  }`;
}

/** Every admin action on the channel (labels, never tokens), as `/api/v1/channels/{channel}/audit`. */
export function auditTable(d: ChannelDetail): Html {
  if (d.audit.length === 0) return html`<p>No admin actions.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Who</th><th scope="col">Reason</th><th scope="col">Details</th></tr></thead>
<tbody>${d.audit.map(
    (e) => html`<tr><td><time>${e.at}</time></td><td>${e.action}</td><td>${e.actor} (${e.via})</td>
      <td>${e.reason ?? ""}</td><td><code>${Object.keys(e.details).length ? JSON.stringify(e.details) : ""}</code></td></tr>`,
  )}</tbody></table></div>`;
}
