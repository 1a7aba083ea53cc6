import { Feed } from "feed";
import { type FeedEntry, tagPrefix } from "./feed-entries.ts";

export const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";

// An empty feed has never changed; any clock reading would change its bytes and ETag each time.
const NEVER = new Date(0);

/**
 * An Atom 1.0 document (RFC 4287) of `entries`, newest first. `updated` is the newest entry's
 * time, so an unchanged history renders the same bytes and the same ETag.
 */
export function renderAtomFeed(opts: {
  /** The feed's own id suffix and URL path: `all` or a channel name. */
  name: string;
  title: string;
  publicUrl: string;
  /** The HTML page the feed mirrors. */
  pageUrl: string;
  entries: FeedEntry[];
}): string {
  const feed = new Feed({
    id: `${tagPrefix(opts.publicUrl)}feed/${opts.name}`,
    title: opts.title,
    link: opts.pageUrl,
    feedLinks: { atom: `${opts.publicUrl}/feeds/${encodeURIComponent(opts.name)}.atom` },
    updated: opts.entries[0]?.at ?? NEVER,
    author: { name: "floodgate", link: opts.publicUrl },
    generator: "floodgate",
  });
  for (const e of opts.entries) {
    feed.addItem({
      id: e.id,
      title: e.title,
      link: e.link,
      date: e.at,
      content: e.content,
      category: [{ term: e.kind }, { term: e.channel }],
    });
  }
  return feed.atom1();
}
