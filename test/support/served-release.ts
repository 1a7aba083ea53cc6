import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "../../src/db/client.ts";
import { releases } from "../../src/db/schema.ts";
import { parseReleaseIndex } from "../../src/publish/release-index.ts";
import { INDEX_FILE } from "../../src/publish/release-paths.ts";

/** A GET against floodgate: `fetch` on a running `serve`, or `app.request` in-process. */
export type Get = (path: string) => Promise<Response>;

export type ServedCheck =
  | { kind: "complete"; release: string }
  | { kind: "none" }
  | { kind: "broken"; release: string; problem: string };

const sha256 = (bytes: ArrayBuffer) =>
  createHash("sha256").update(new Uint8Array(bytes)).digest("hex");

/** The release `/{channel}` redirects to (the last segment of its Location), or null. */
export async function servedReleaseName(get: Get, channel: string): Promise<string | null> {
  const res = await get(`/${channel}`);
  await res.body?.cancel();
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) return null;
  return new URL(location, "http://x").pathname.split("/").at(-1) ?? null;
}

/**
 * Fetches every file the served release's row lists and its index: each must be served whole,
 * with the sha256 the row recorded, and every `X.sha256` file must name X's real sha256.
 */
export async function checkServedRelease(get: Get, db: Db, channel: string): Promise<ServedCheck> {
  const redirect = await get(`/${channel}`);
  await redirect.body?.cancel();
  const location = redirect.headers.get("location");
  if (redirect.status !== 302 || !location) return { kind: "none" };
  const path = new URL(location, "http://x").pathname;
  const release = path.split("/").at(-1) ?? "";
  const broken = (problem: string): ServedCheck => ({ kind: "broken", release, problem });
  const [row] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.channel, channel), eq(releases.name, release)));
  if (!row?.files?.length) return broken("served release has no recorded files");
  const index = await get(path);
  const page = await index.text();
  if (index.status !== 200) return broken(`index answered ${index.status}`);
  const listed = new Map(parseReleaseIndex(page).map((f) => [f.name, f.sha256]));
  const actual = new Map<string, string>();
  for (const file of row.files) {
    const inIndex = file.name.endsWith(".sha256") || file.name === INDEX_FILE;
    if (!inIndex && listed.get(file.name) !== file.sha256) {
      return broken(`index lists ${file.name} as ${listed.get(file.name) ?? "nothing"}`);
    }
    const res = await get(`${path}/${file.name}`);
    if (res.status !== 200) return broken(`${file.name} answered ${res.status}`);
    const digest = sha256(await res.arrayBuffer());
    if (digest !== file.sha256)
      return broken(`${file.name} has sha256 ${digest}, not ${file.sha256}`);
    actual.set(file.name, digest);
  }
  for (const file of row.files.filter((f) => f.name.endsWith(".sha256"))) {
    const of = file.name.slice(0, -".sha256".length);
    const named = (await (await get(`${path}/${file.name}`)).text()).trim().split(/\s+/)[0];
    if (named !== actual.get(of))
      return broken(`${file.name} says ${named}, ${of} is ${actual.get(of)}`);
  }
  return { kind: "complete", release };
}
