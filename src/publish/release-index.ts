import { INDEX_FILE } from "./release-paths.ts";

export interface ReleaseFileEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface ReleaseIndexInput {
  channel: string;
  releaseName: string;
  revision: string;
  evalId: number;
  evalUrl: string;
  publishedAt: Date;
  revisionCommittedAt: Date;
  files: readonly ReleaseFileEntry[];
  notes?: readonly string[];
}

/**
 * The release's HTML page, shaped like the one mirror-nixos-branch.pl uploads. It is served at the
 * release URL without a trailing slash, so file links are `<releaseName>/<file>`.
 */
export function renderReleaseIndex(input: ReleaseIndexInput): string {
  const title = `${input.channel} release ${input.releaseName}`;
  const githubLink = `https://github.com/NixOS/nixpkgs/commits/${encodeURIComponent(input.revision)}`;
  const releaseHref = encodeURIComponent(input.releaseName);
  const rows = input.files
    .filter((f) => !f.name.endsWith(".sha256") && f.name !== INDEX_FILE)
    .toSorted((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(
      (f) =>
        `<tr><td><a href="${escapeHtml(`${releaseHref}/${encodeURIComponent(f.name)}`)}">` +
        `${escapeHtml(f.name)}</a></td><td align="right">${f.size}</td>` +
        `<td><tt>${escapeHtml(f.sha256)}</tt></td></tr>`,
    );
  return [
    "<!DOCTYPE html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    `<body><h1>${escapeHtml(title)}</h1>`,
    `<p>Released on ${formatUtc(input.publishedAt)} from ` +
      `<a href="${escapeHtml(githubLink)}">Git commit <tt>${escapeHtml(input.revision)}</tt></a> ` +
      `from ${formatUtc(input.revisionCommittedAt)} via ` +
      `<a href="${escapeHtml(safeHttpUrl(input.evalUrl))}">Hydra evaluation ${input.evalId}</a>.</p>`,
    ...(input.notes ?? []).map((note) => `<p>${escapeHtml(note)}</p>`),
    "<table><thead><tr><th>File name</th><th>Size</th><th>SHA-256 hash</th></tr></thead><tbody>",
    ...rows,
    "</tbody></table></body></html>",
    "",
  ].join("\n");
}

/** `2026-08-22 14:03:05 UTC`, the script's `%F %T %Z` with the zone pinned to UTC. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function safeHttpUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : "#";
}

const ROW =
  /<tr><td><a href="[^"]*">([^<]*)<\/a><\/td><td align="right">(\d+)<\/td><td><tt>([0-9a-f]{64})<\/tt><\/td><\/tr>/g;

/** The file rows of a page written by `renderReleaseIndex` (the `.sha256` files are not listed). */
export function parseReleaseIndex(html: string): ReleaseFileEntry[] {
  return [...html.matchAll(ROW)].map(([, name = "", size = "0", sha256 = ""]) => ({
    name: unescapeHtml(name),
    size: Number(size),
    sha256,
  }));
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll("&#39;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&gt;", ">")
    .replaceAll("&lt;", "<")
    .replaceAll("&amp;", "&");
}
