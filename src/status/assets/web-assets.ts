import { z } from "zod";

/** The front end's entry points (web/), each bundled to a content-hashed file under /assets/. */
export const WEB_ENTRIES = ["main.js", "style.css", "icon.svg"] as const;
export type WebEntry = (typeof WEB_ENTRIES)[number];

/** What `npm run build:web` writes to dist/web/web-assets.txt: one file both runtimes read. */
export const WebAssetsBundle = z.object({
  entries: z.partialRecord(z.enum(WEB_ENTRIES), z.string()),
  files: z.array(z.object({ name: z.string(), contentType: z.string(), body: z.string() })),
});
export type WebAssetsBundle = z.infer<typeof WebAssetsBundle>;

export interface WebAssetFile {
  name: string;
  contentType: string;
  body: string;
  /** Precompressed bodies by content coding, where the runtime made them (Node). */
  encoded: Partial<Record<"br" | "gzip", Uint8Array<ArrayBuffer>>>;
}

export interface WebAssets {
  /** The URL of an entry's hashed file, e.g. `/assets/main-3FQ2KX.js`. */
  href(entry: WebEntry): string;
  file(name: string): WebAssetFile | undefined;
}

/** Immutable: a file's name changes whenever its content does. */
export const ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable";

export function createWebAssets(
  bundle: WebAssetsBundle,
  encode: (body: string) => WebAssetFile["encoded"] = () => ({}),
): WebAssets {
  const files = new Map(bundle.files.map((f) => [f.name, { ...f, encoded: encode(f.body) }]));
  return {
    href: (entry) => `/assets/${bundle.entries[entry] ?? entry}`,
    file: (name) => files.get(name),
  };
}

/** Parses the bundle file's text; a bad one is a build problem, reported as such. */
export function parseWebAssets(
  text: string,
  encode?: (body: string) => WebAssetFile["encoded"],
): WebAssets {
  return createWebAssets(WebAssetsBundle.parse(JSON.parse(text)), encode);
}

/** No front end built: pages still work (tables, links, forms), unstyled and without charts. */
export const noWebAssets: WebAssets = createWebAssets({ entries: {}, files: [] });
