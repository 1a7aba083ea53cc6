import { channelPointer } from "../read-model/channel-pointer.ts";
import type { ChannelSnapshot } from "../read-model/channel-read-model.ts";
import { answerChannelRequest, REDIRECT_CACHE_CONTROL } from "../routes/channel-redirect.ts";

/** Response headers as Node's `writeHead` takes them flat: name, value, name, value… */
export type FlatHeaders = string[];

// `/<channel>/<anything>` is client input: the answers kept are bounded, then start over.
const MAX_PREPARED = 1024;
const CHANNEL_PATH = /^\/([^/]+)(?:\/([^/]+))?$/;

/**
 * The 302 headers of `/<channel>[/<file>]`, built once per path and read-model change, so a
 * redirect costs a map lookup: every `nix-channel --update` and flake fetch asks for the same few
 * URLs. Null: not a configured channel with a release, or a bad file name (the app answers those).
 */
export function preparedRedirects(opts: {
  channels: string[];
  /** Absolute origin of `Location`, without a trailing slash. */
  origin: string;
  commonHeaders: Record<string, string>;
  snapshot: () => ChannelSnapshot | null;
}): (path: string) => FlatHeaders | null {
  const known = new Set(opts.channels);
  const common = Object.entries(opts.commonHeaders).flat();
  const prepared = new Map<string, FlatHeaders | null>();
  // The entries, not the snapshot: a reload that finds nothing new keeps the same entries.
  let preparedFor: ChannelSnapshot["entries"] | null = null;

  const prepare = (path: string, snapshot: ChannelSnapshot): FlatHeaders | null => {
    const match = CHANNEL_PATH.exec(path);
    const channel = match?.[1];
    if (channel === undefined || !known.has(channel)) return null;
    const pointer = channelPointer(snapshot, channel);
    const answer = answerChannelRequest(channel, match?.[2], pointer, opts.origin);
    if (answer.kind === "error") return null;
    const headers = [
      ...common,
      "Location",
      answer.location,
      "Cache-Control",
      REDIRECT_CACHE_CONTROL,
      "Content-Length",
      "0",
    ];
    if (answer.link) headers.push("Link", answer.link);
    return headers;
  };

  return (path) => {
    const snapshot = opts.snapshot();
    if (!snapshot) return null;
    if (snapshot.entries !== preparedFor) {
      prepared.clear();
      preparedFor = snapshot.entries;
    }
    const kept = prepared.get(path);
    if (kept !== undefined) return kept;
    const headers = prepare(path, snapshot);
    if (prepared.size >= MAX_PREPARED) prepared.clear();
    prepared.set(path, headers);
    return headers;
  };
}
