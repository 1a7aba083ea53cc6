import { Hono } from "hono";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import { NotFoundError } from "../../errors.ts";
import { ATOM_CONTENT_TYPE, renderAtomFeed } from "../feeds/atom-feed.ts";
import { feedEntries } from "../feeds/feed-entries.ts";
import { loadFeedHistory } from "../feeds/feed-history.ts";

/** Entries per feed: about two months of one channel's releases and blocks. */
export const FEED_ENTRY_LIMIT = 50;

export interface FeedRoutesDeps {
  db: Db;
  channels: ChannelSpec[];
  publicUrl: string;
}

/** `/feeds/{channel}.atom` and `/feeds/all.atom`: releases and blocks from the recorded history. */
export function feedRoutes(deps: FeedRoutesDeps): Hono {
  const app = new Hono();
  app.get("/feeds/:file{.+\\.atom}", async (c) => {
    const name = c.req.param("file").slice(0, -".atom".length);
    const all = name === "all";
    if (!all && !deps.channels.some((s) => s.name === name)) {
      throw new NotFoundError(`unknown channel "${name}"`, { channel: name });
    }
    const channels = all ? deps.channels.map((s) => s.name) : [name];
    const history = await loadFeedHistory(deps.db, channels, FEED_ENTRY_LIMIT);
    const body = renderAtomFeed({
      name,
      title: all ? "floodgate: every channel" : `floodgate: ${name}`,
      publicUrl: deps.publicUrl,
      pageUrl: all
        ? `${deps.publicUrl}/`
        : `${deps.publicUrl}/channels/${encodeURIComponent(name)}`,
      entries: feedEntries(history, deps.publicUrl, FEED_ENTRY_LIMIT),
    });
    return c.body(body, 200, { "Content-Type": ATOM_CONTENT_TYPE });
  });
  return app;
}
