import { eq } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { type Release, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { cacheProductSource } from "./cache-product-source.ts";
import { channelProducts, TARBALLS, wantsProgramsIndex } from "./channel-products.ts";
import { hydraProductSource } from "./product-source.ts";
import { describeProgramsIndex } from "./programs/programs-indexer.ts";
import type { ReleaseFileEntry } from "./release-index.ts";
import { releaseFileKey } from "./release-paths.ts";
import type { StoredProduct } from "./store-product.ts";
import { type BeforeIndex, writeReleaseFiles } from "./write-release-files.ts";

/** The files step of a release: every file the channel's kind publishes, the index last. */
export async function publishReleaseFiles(
  deps: Deps,
  spec: ChannelSpec,
  release: Release,
): Promise<{ files: ReleaseFileEntry[] }> {
  const beforeIndex: BeforeIndex | undefined = wantsProgramsIndex(spec)
    ? (stored) => indexAndRepack(deps, spec, release, stored)
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

/**
 * NixOS tarballs are repacked with programs.sqlite, so Hydra's checksums would not match them
 * and no `.sha256` is published for them (§3 step 6). Progress goes to the release row.
 */
async function indexAndRepack(
  deps: Deps,
  spec: ChannelSpec,
  release: Release,
  stored: StoredProduct[],
): ReturnType<BeforeIndex> {
  const withoutSha256 = [...TARBALLS];
  if (!deps.programsIndexer) {
    deps.logger.warn("programs.sqlite skipped: this runtime cannot build it", {
      channel: spec.name,
      step: "files",
    });
    return { replaced: [], withoutSha256 };
  }
  const { replaced, report } = await deps.programsIndexer.indexAndRepack({
    channel: spec.name,
    release: release.name,
    store: deps.store,
    stored,
    key: (file) => releaseFileKey(spec.name, release.name, file),
    async onProgress(progress) {
      const at = deps.clock.now().toISOString();
      await deps.db
        .update(releases)
        .set({ progress: { task: "programs.sqlite", ...progress, at } })
        .where(eq(releases.id, release.id));
      await deps.changes.channelChanged(spec.name);
    },
  });
  return { replaced, withoutSha256, notes: [describeProgramsIndex(report)] };
}
