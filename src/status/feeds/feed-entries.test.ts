import { describe, expect, it } from "vitest";
import { feedEntries } from "./feed-entries.ts";
import type { FeedEvent, FeedRelease } from "./feed-history.ts";

const URL = "http://floodgate.test:8080";
const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 0, minute));

const release = (minute: number): FeedRelease => ({
  channel: "nixos-unstable",
  name: `nixos-26.11pre${minute}.abcdef012345`,
  revision: "abcdef0123456789abcdef0123456789abcdef01",
  evalId: 1000 + minute,
  revisionCommittedAt: null,
  publishedAt: at(minute),
});

const event = (id: number, type: string, summary = type): FeedEvent => ({
  id,
  channel: "nixos-unstable",
  type,
  at: at(id),
  summary,
  reasons: [],
});

describe("feedEntries", () => {
  it("turns the first advance after a block into an unblocked entry, and only that one", () => {
    const entries = feedEntries(
      {
        releases: [],
        events: [
          event(1, "channel.advanced"),
          event(2, "channel.blocked"),
          event(3, "channel.blocked"),
          event(4, "channel.advanced"),
          event(5, "channel.advanced"),
          event(6, "channel.unblocked"),
        ],
      },
      URL,
      50,
    );
    expect(entries.map((e) => [e.kind, e.id])).toEqual([
      ["unblocked", "tag:floodgate.test,2026:nixos-unstable/unblocked/6"],
      ["unblocked", "tag:floodgate.test,2026:nixos-unstable/unblocked/4"],
      ["blocked", "tag:floodgate.test,2026:nixos-unstable/blocked/3"],
      ["blocked", "tag:floodgate.test,2026:nixos-unstable/blocked/2"],
    ]);
  });

  it("keeps the newest `limit` entries", () => {
    const releases = Array.from({ length: 70 }, (_, i) => release(i));
    const entries = feedEntries({ releases, events: [] }, URL, 50);
    expect(entries).toHaveLength(50);
    expect(entries[0]?.id).toBe(
      `tag:floodgate.test,2026:nixos-unstable/release/${release(69).name}`,
    );
    expect(entries[0]?.link).toBe(`${URL}/releases/nixos/unstable/${release(69).name}`);
  });

  it("escapes titles and content, which Atom readers take as HTML", () => {
    const [entry] = feedEntries(
      { releases: [], events: [event(1, "channel.blocked", `x <script>alert("1")</script>`)] },
      URL,
      50,
    );
    expect(entry?.title).toBe("x &lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;");
    expect(entry?.content).not.toContain("<script>");
  });
});
