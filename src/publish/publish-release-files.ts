import type { ChannelSpec } from "../config/channels-file.ts";
import type { Release } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { channelProducts, TARBALLS, wantsProgramsIndex } from "./channel-products.ts";
import type { ReleaseFileEntry } from "./release-index.ts";
import { type BeforeIndex, writeReleaseFiles } from "./write-release-files.ts";

/** The files step of a release: every file the channel's kind publishes, the index last. */
export async function publishReleaseFiles(
  deps: Deps,
  spec: ChannelSpec,
  release: Release,
): Promise<{ files: ReleaseFileEntry[] }> {
  // NixOS tarballs are repacked with programs.sqlite, so Hydra's checksums would not match them.
  const beforeIndex: BeforeIndex | undefined = wantsProgramsIndex(spec)
    ? async () => ({ replaced: [], withoutSha256: [...TARBALLS] })
    : undefined;
  return writeReleaseFiles(
    deps,
    {
      channel: spec.name,
      name: release.name,
      revision: release.revision,
      evalId: release.evalId,
      products: channelProducts(spec),
      revisionCommittedAt: release.revisionCommittedAt ?? release.createdAt,
      publishedAt: release.createdAt,
      hydraUrl: deps.hydraUrl,
      binaryCacheUrl: deps.binaryCacheUrl,
    },
    beforeIndex,
  );
}
