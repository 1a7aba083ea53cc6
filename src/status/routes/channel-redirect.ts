import { type Context, Hono, type Next } from "hono";
import { releaseVersion } from "../../domain/release-version.ts";
import { isSafeSegment } from "../../publish/release-paths.ts";

export interface ChannelReleasePointer {
  channel: string;
  /** Release directory, e.g. `nixos/unstable` (see `channelDir`). */
  dir: string;
  releaseName: string;
  revision: string;
  /** Committer time of `revision`: the flake `lastModified`. */
  lastModified: Date;
}

export interface ChannelRedirectDeps {
  lookup(channel: string): Promise<ChannelReleasePointer | null>;
  knownChannels(): string[];
  /** Base URL for `Location`; without it, redirects are host-relative paths. */
  publicUrl?: string;
}

const TARBALL = /^nixexprs\.tar\.(xz|zst)$/;
// channels.nixos.org's stable names for the newest images, e.g. latest-nixos-minimal-x86_64-linux.iso.
const LATEST_IMAGE = /^latest-(nixos(?:-[a-z0-9]+)?)-([a-z0-9_]+-linux)\.(iso|ova)(\.sha256)?$/;

/**
 * `GET|HEAD /<channel>` → 302 to the release page (no trailing slash: `nix-channel` appends
 * `/nixexprs.tar.xz` to the final URL) and `/<channel>/<file>` → 302 to the release's file.
 * Names that are not configured channels fall through to later routes.
 */
export function channelRedirectRoutes(deps: ChannelRedirectDeps): Hono {
  const app = new Hono();
  const base = deps.publicUrl?.replace(/\/+$/, "") ?? "";
  const redirect = async (c: Context, next: Next, file: string | undefined) => {
    const channel = c.req.param("channel") ?? "";
    if (!deps.knownChannels().includes(channel)) return next();
    c.header("Cache-Control", REDIRECT_CACHE_CONTROL);
    const pointer = file !== undefined && !isSafeSegment(file) ? null : await deps.lookup(channel);
    const answer = answerChannelRequest(channel, file, pointer, base || new URL(c.req.url).origin);
    if (answer.kind === "error") {
      return c.json({ error: { code: answer.code, message: answer.message } }, answer.status);
    }
    if (answer.link) c.header("Link", answer.link);
    return c.redirect(base ? answer.location : answer.location.slice(answer.origin.length), 302);
  };
  app.get("/:channel", (c, next) => redirect(c, next, undefined));
  app.get("/:channel/:file", (c, next) => redirect(c, next, c.req.param("file")));
  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `no channel at ${c.req.path}` } }, 404),
  );
  return app;
}

/**
 * Not cached by anyone: the files of one release must be fetched together (an ISO and its
 * checksum, a tarball and its Link), and the origin answers from memory (README "Caching").
 */
export const REDIRECT_CACHE_CONTROL = "no-store";

export type ChannelAnswer =
  | { kind: "redirect"; location: string; origin: string; link?: string }
  | { kind: "error"; status: 400 | 404; code: "BAD_REQUEST" | "NOT_FOUND"; message: string };

/** Pure: the answer to `/<channel>[/<file>]` for a configured channel, with absolute URLs. */
export function answerChannelRequest(
  channel: string,
  file: string | undefined,
  release: ChannelReleasePointer | null,
  origin: string,
): ChannelAnswer {
  if (file !== undefined && !isSafeSegment(file)) {
    return { kind: "error", status: 400, code: "BAD_REQUEST", message: `bad file name "${file}"` };
  }
  if (!release) {
    const message = `channel ${channel} has no published release yet`;
    return { kind: "error", status: 404, code: "NOT_FOUND", message };
  }
  const releasePath = `/releases/${release.dir.split("/").map(encodeURIComponent).join("/")}/${encodeURIComponent(release.releaseName)}`;
  if (file === undefined) return { kind: "redirect", location: `${origin}${releasePath}`, origin };
  const target = `${releasePath}/${encodeURIComponent(latestAlias(file, release.releaseName) ?? file)}`;
  if (!TARBALL.test(file)) return { kind: "redirect", location: `${origin}${target}`, origin };
  // Lockable HTTP Tarball Protocol: flakes lock this URL; it must be absolute.
  const unix = Math.floor(release.lastModified.getTime() / 1000);
  const rev = encodeURIComponent(release.revision);
  const link = `<${origin}${target}?rev=${rev}&lastModified=${unix}>; rel="immutable"`;
  return { kind: "redirect", location: `${origin}${target}`, origin, link };
}

/** `latest-nixos-minimal-x86_64-linux.iso` → `nixos-minimal-<version>-x86_64-linux.iso`. */
function latestAlias(file: string, releaseName: string): string | undefined {
  const match = LATEST_IMAGE.exec(file);
  if (!match) return undefined;
  const [, artifact, arch, ext, sha = ""] = match;
  try {
    return `${artifact}-${releaseVersion(releaseName)}-${arch}.${ext}${sha}`;
  } catch {
    return undefined;
  }
}
