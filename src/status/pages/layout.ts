import { sha256 } from "@noble/hashes/sha2.js";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { pageStyle } from "../../../web/style.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = raw(pageStyle);

/** The inline stylesheet's CSP source: pages may use it and no other inline style or script. */
export const PAGE_STYLE_SOURCE = `'sha256-${btoa(String.fromCharCode(...sha256(new TextEncoder().encode(pageStyle))))}'`;

/** The page frame every floodgate page shares. */
export function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}
