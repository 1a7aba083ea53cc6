import { html } from "hono/html";

export const BADGE_CONTENT_TYPE = "image/svg+xml; charset=utf-8";

/** shields.io's palette, so a floodgate badge sits well beside the others in a README. */
export const BADGE_COLOURS = {
  green: "#4c1",
  yellow: "#dfb317",
  red: "#e05d44",
  grey: "#9f9f9f",
} as const;
export type BadgeColour = keyof typeof BADGE_COLOURS;

// Advance widths of Verdana at 11 px (the font shields measures with); others count as 7.
const WIDTHS: Record<string, number> = {
  " ": 3.5,
  ".": 3.5,
  ",": 3.5,
  ":": 5,
  "-": 5,
  "·": 3.5,
  i: 3,
  l: 3,
  j: 3.8,
  f: 3.8,
  t: 4.3,
  r: 4.7,
  c: 5.7,
  s: 5.7,
  z: 5.7,
  k: 6.4,
  v: 6.4,
  x: 6.4,
  y: 6.4,
  e: 6.6,
  a: 6.7,
  o: 6.7,
  b: 6.8,
  d: 6.8,
  g: 6.8,
  p: 6.8,
  q: 6.8,
  h: 7,
  n: 7,
  u: 7,
  w: 8.9,
  m: 10.7,
};

const textWidth = (text: string) =>
  Math.ceil([...text].reduce((sum, ch) => sum + (WIDTHS[ch] ?? 7), 0));

/**
 * A badge in shields.io's "flat" style: grey label, coloured message. Text is escaped; the
 * `<title>` and `aria-label` carry both for screen readers and tooltips.
 */
export function renderBadge(label: string, message: string, colour: BadgeColour): string {
  const pad = 10;
  const labelWidth = textWidth(label) + pad;
  const messageWidth = textWidth(message) + pad;
  const width = labelWidth + messageWidth;
  // Text is laid out at 10× and scaled down, as shields does, for sub-pixel placement.
  const labelX = labelWidth * 5;
  const messageX = (labelWidth + messageWidth / 2) * 10;
  const text = (x: number, length: number, value: string) =>
    html`<text aria-hidden="true" x="${x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${length}">${value}</text><text x="${x}" y="140" transform="scale(.1)" fill="#fff" textLength="${length}">${value}</text>`;
  return String(
    html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${label}: ${message}"><title>${label}: ${message}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/><rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${BADGE_COLOURS[colour]}"/><rect width="${width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">${text(labelX, (labelWidth - pad) * 10, label)}${text(messageX, (messageWidth - pad) * 10, message)}</g></svg>`,
  );
}
