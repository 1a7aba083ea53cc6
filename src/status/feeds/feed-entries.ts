import { html } from "hono/html";
import { channelDir } from "../../publish/release-paths.ts";
import { reasonList } from "../pages/reason-list.ts";
import type { FeedEvent, FeedRelease } from "./feed-history.ts";

/** One Atom entry: a release, or a channel getting stuck or moving again. */
export interface FeedEntry {
  /** A tag: URI built from what never changes (the release name, the event's row id). */
  id: string;
  kind: "release" | "blocked" | "unblocked";
  channel: string;
  /** HTML (Atom `type="html"`): escaped text. */
  title: string;
  link: string;
  at: Date;
  content: string;
}

const OPENS_BLOCK = new Set(["channel.blocked", "tick.failed"]);
const CLOSES_BLOCK = new Set(["channel.advanced", "channel.unblocked"]);

/**
 * The tag: URI authority: the public host (an id names its publisher), with the year the
 * scheme was chosen; ids then never depend on ports, paths or how the feed was reached.
 */
export function tagPrefix(publicUrl: string): string {
  return `tag:${new URL(publicUrl).hostname},2026:`;
}

const text = (value: string) => String(html`${value}`);

function releaseEntry(r: FeedRelease, publicUrl: string): FeedEntry {
  const committed = r.revisionCommittedAt
    ? html` committed ${r.revisionCommittedAt.toISOString()}`
    : "";
  return {
    id: `${tagPrefix(publicUrl)}${r.channel}/release/${r.name}`,
    kind: "release",
    channel: r.channel,
    title: text(`${r.channel} advanced to ${r.name}`),
    link: `${publicUrl}/releases/${channelDir(r.channel)}/${r.name}`,
    at: r.publishedAt,
    content: String(
      html`<p>Revision <code>${r.revision}</code>${committed}, Hydra eval ${r.evalId}.</p>`,
    ),
  };
}

/**
 * PURE: the entries of a feed, newest first, at most `limit`. Each published release is one;
 * each recorded block (a blocked decision, a failing pipeline) is one; and the first advance or
 * recovery after a block is an "unblocked" one (so a release that ends a block yields both).
 */
export function feedEntries(
  history: { releases: FeedRelease[]; events: FeedEvent[] },
  publicUrl: string,
  limit: number,
): FeedEntry[] {
  const prefix = tagPrefix(publicUrl);
  const page = (channel: string) => `${publicUrl}/channels/${encodeURIComponent(channel)}`;
  const blocked = new Set<string>();
  const entries = history.releases.map((r) => releaseEntry(r, publicUrl));
  const oldestFirst = [...history.events].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id,
  );
  for (const e of oldestFirst) {
    if (OPENS_BLOCK.has(e.type)) {
      blocked.add(e.channel);
      entries.push({
        id: `${prefix}${e.channel}/blocked/${e.id}`,
        kind: "blocked",
        channel: e.channel,
        title: text(e.summary),
        link: page(e.channel),
        at: e.at,
        content: String(html`<p>${e.summary}</p>${reasonList(e.reasons)}`),
      });
    } else if (
      CLOSES_BLOCK.has(e.type) &&
      (blocked.has(e.channel) || e.type === "channel.unblocked")
    ) {
      blocked.delete(e.channel);
      entries.push({
        id: `${prefix}${e.channel}/unblocked/${e.id}`,
        kind: "unblocked",
        channel: e.channel,
        title: text(`${e.channel} unblocked`),
        link: page(e.channel),
        at: e.at,
        content: String(html`<p>${e.summary}</p>`),
      });
    }
  }
  return entries
    .sort((a, b) => b.at.getTime() - a.at.getTime() || b.id.localeCompare(a.id))
    .slice(0, limit);
}
