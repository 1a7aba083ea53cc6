import { describe, expect, it } from "vitest";
import { createSubscriptionFeedCache } from "./feed-cache.ts";

const feed = (id: number, channels: string[]) => ({ subscriptionId: id, channels, body: `f${id}` });

describe("the subscription feed cache", () => {
  it("keeps a feed until a channel it listens to changes", () => {
    const cache = createSubscriptionFeedCache();
    cache.set("a", feed(1, ["small", "unstable"]), cache.versionOf(["small", "unstable"]));
    cache.set("b", feed(2, ["stable"]), cache.versionOf(["stable"]));
    cache.channelChanged("other");
    expect(cache.get("a")?.body).toBe("f1");
    cache.channelChanged("unstable");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")?.body).toBe("f2");
  });

  it("does not keep a feed read while its channel changed", () => {
    const cache = createSubscriptionFeedCache();
    const version = cache.versionOf(["small"]);
    cache.channelChanged("small"); // a notice committed while the feed was being read
    cache.set("a", feed(1, ["small"]), version);
    expect(cache.get("a")).toBeUndefined();
  });

  it("is bounded, and forgets after its ttl", () => {
    let now = 0;
    const cache = createSubscriptionFeedCache({ maxEntries: 2, ttlMs: 1000, now: () => now });
    for (const key of ["a", "b", "c"]) cache.set(key, feed(1, ["x"]), cache.versionOf(["x"]));
    expect(cache.size).toBe(2);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBeDefined();
    now = 1000;
    expect(cache.get("c")).toBeUndefined();
  });
});
