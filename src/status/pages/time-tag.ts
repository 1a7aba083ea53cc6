import { html } from "hono/html";
import { formatAge } from "../format-age.ts";
import type { Html } from "./layout.ts";

/** "2026-11-28 14:03 UTC": an absolute time nobody has to convert from ISO in their head. */
export const utcText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/**
 * A time as "3 hours ago" (kept current by web/time-ago.ts) in a `<time datetime>`, with the
 * absolute UTC time beside it: honest about when, whatever the reader's clock or zone.
 */
export function timeTag(iso: string | null, now: Date): Html | string {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  return html`<time datetime="${iso}" data-ago title="${utcText(iso)}">${formatAge(seconds)} ago</time><br /><small>${utcText(iso)}</small>`;
}
