import { channelDir } from "../../publish/release-paths.ts";
import type { ChannelReleasePointer } from "../routes/channel-redirect.ts";
import type { ChannelSnapshot } from "./channel-read-model.ts";

/** What `/<channel>` redirects to, from a snapshot; null when the channel has no release. */
export function channelPointer(
  snapshot: ChannelSnapshot,
  channel: string,
): ChannelReleasePointer | null {
  const release = snapshot.entries.get(channel)?.release;
  if (!release) return null;
  return {
    channel,
    dir: channelDir(channel),
    releaseName: release.name,
    revision: release.revision,
    lastModified: release.revisionCommittedAt ?? release.createdAt,
  };
}
