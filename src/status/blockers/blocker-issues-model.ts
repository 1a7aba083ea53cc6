import type { UpstreamCache } from "../../db/upstream-cache.ts";
import { githubHref } from "../pages/github-href.ts";
import { type BackgroundValue, createBackgroundValue } from "../read-model/background-value.ts";
import { readBlockers } from "./blocker-store.ts";
import { mentionedChannels } from "./mentioned-channels.ts";

/** An open channel-blocker issue as the pages show it. */
export interface BlockerIssue {
  number: number;
  title: string;
  /** Its GitHub page, or null when what GitHub sent is not an https://github.com/ link. */
  url: string | null;
  createdAt: string;
  /** The configured channels it names; none: it is shown on the overview only. */
  channels: string[];
}

/** How old the banner's copy of the stored list may get (the tick refreshes that every 5 min). */
const BLOCKERS_MAX_AGE_MS = 30_000;

/** The open channel-blocker issues the last tick stored, in memory for the pages. */
export function createBlockerIssuesModel(deps: {
  upstreamCache: UpstreamCache;
  channels: string[];
  onStale?: (err: unknown) => void;
}): BackgroundValue<BlockerIssue[]> {
  return createBackgroundValue({
    load: async () =>
      ((await readBlockers(deps.upstreamCache))?.issues ?? []).map((i) => ({
        number: i.number,
        title: i.title,
        url: githubHref(i.url),
        createdAt: i.createdAt,
        channels: mentionedChannels(i.text, deps.channels),
      })),
    maxAgeMs: BLOCKERS_MAX_AGE_MS,
    onStale: deps.onStale,
  });
}
