import type { ChannelSpec } from "../config/channels-file.ts";
import type { Release } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { cacheProductSource } from "./cache-product-source.ts";
import { channelProducts, TARBALLS, wantsProgramsIndex } from "./channel-products.ts";
import { hydraProductSource } from "./product-source.ts";
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
  const fromHydra = hydraProductSource(deps.hydra);
  const productSource = deps.codec
    ? cacheProductSource({
        cache: deps.binaryCache,
        codec: deps.codec,
        fallback: fromHydra,
        logger: deps.logger.child({ channel: spec.name, step: "files" }),
      })
    : fromHydra;
  return writeReleaseFiles(
    { ...deps, productSource },
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
