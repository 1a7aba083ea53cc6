import { html } from "hono/html";
import type { AlertView } from "../read-model/alert-view.ts";
import type { Html } from "./layout.ts";

function delivery(a: AlertView): Html | string {
  const parts = Object.entries(a.deliveries).map(([target, d]) =>
    d.state === "sent"
      ? `${target}: sent`
      : `${target}: ${d.state}${d.error ? ` (${d.error})` : ""}`,
  );
  if (a.state === "pending" && a.nextAttemptAt) parts.push(`next try ${a.nextAttemptAt}`);
  return parts.length ? parts.join("; ") : a.state;
}

/** The channel page's alert section: what was sent, is waiting or failed, newest first. */
export function alertList(alerts: AlertView[]): Html {
  if (alerts.length === 0) return html`<p>No alerts yet.</p>`;
  return html`<div class="table-wrap"><table class="alerts"><thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Alert</th><th scope="col">Delivery</th></tr></thead>
<tbody>${alerts.map(
    (a) => html`<tr class="${a.state}"><td><time>${a.createdAt}</time></td><td>${a.kind}</td>
      <td>${a.summary}</td><td>${delivery(a)}</td></tr>`,
  )}</tbody></table></div>`;
}
