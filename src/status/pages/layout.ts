import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { WebAssets } from "../assets/web-assets.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What every page links to: the hashed stylesheet and script, and the GitHub repository. */
export interface PageContext {
  styleHref: string;
  scriptHref: string;
  iconHref: string;
  /** `https://github.com/{FLOODGATE_REPO}`. */
  repoUrl: string;
}

export const pageContext = (assets: WebAssets, repoUrl: string): PageContext => ({
  styleHref: assets.href("style.css"),
  scriptHref: assets.href("main.js"),
  iconHref: assets.href("icon.svg"),
  repoUrl,
});

/** A commit's link on the configured repository, its sha shortened to 12. */
export function commitLink(ctx: PageContext, sha: string | null): Html | string {
  if (!sha) return "unknown";
  return html`<a href="${ctx.repoUrl}/commit/${sha}"><code>${sha.slice(0, 12)}</code></a>`;
}

/** The page frame every floodgate page shares; no inline style or script (app.ts CSP). */
export function layout(title: string, body: Html, ctx: PageContext): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="color-scheme" content="light dark" />
<title>${title}</title><link rel="icon" href="${ctx.iconHref}" /><link rel="stylesheet" href="${ctx.styleHref}" />
<script type="module" src="${ctx.scriptHref}"></script></head>
<body><a class="skip" href="#main">Skip to content</a><main id="main">${body}</main></body></html>`;
}
