import { html } from "hono/html";
import type { Created } from "../../alerts/subscriptions/create-subscription.ts";
import { type Html, layout, type PageContext } from "./layout.ts";

/** The no-JavaScript form on the PR and commit pages: a plain POST to /subscriptions. */
export function subscribeForm(kind: "pr" | "commit", subject: string): Html {
  return html`<form class="subscribe" action="/subscriptions" method="post">
<fieldset><legend>Tell me when it lands</legend>
<input type="hidden" name="kind" value="${kind}" /><input type="hidden" name="subject" value="${subject}" />
<label>How <select name="delivery"><option value="feed">private Atom feed</option>
<option value="webhook">JSON webhook (HMAC-signed)</option><option value="slack">Slack incoming webhook</option></select></label>
<label>Webhook URL (https) <input name="url" type="url" placeholder="https://…" size="40" /></label>
<button type="submit">Subscribe</button>
<small>No account: you get a private link to read or cancel it. One message per channel it reaches.</small>
</fieldset></form>`;
}

/** After the form: the token, secret and feed shown once; floodgate keeps only the token's hash. */
export function createdPage(ctx: PageContext, made: Created): Html {
  return layout(
    "Subscribed · floodgate",
    html`<p><a href="/">← all channels</a></p><h1>Subscribed</h1>
<p>Keep this page's links: they are shown once and are the only way to read or cancel the subscription.</p>
<ul><li>Manage (GET to read, DELETE to cancel): <code>${made.manageUrl}</code></li>
${made.feedUrl ? html`<li>Your feed: <a href="${made.feedUrl}">${made.feedUrl}</a></li>` : ""}
${made.secret ? html`<li>Webhook secret (HMAC-SHA256 of the body, header <code>X-Floodgate-Signature</code>): <code>${made.secret}</code></li>` : ""}
<li>Channels to reach: ${made.channels.join(", ") || "(channel events)"}${made.reached.length ? ` (already in ${made.reached.join(", ")})` : ""}</li></ul>
<form action="/subscriptions/${made.token}/cancel" method="post"><button type="submit">Cancel it</button></form>`,
    ctx,
  );
}

export function subscriptionErrorPage(ctx: PageContext, message: string): Html {
  return layout(
    "Not subscribed · floodgate",
    html`<p><a href="/">← all channels</a></p><h1>Not subscribed</h1><p>${message}</p>`,
    ctx,
  );
}
