import type { ProductSpec } from "../config/channels-file.ts";
import { DEFAULT_DOWNLOAD_DEADLINE_SECONDS } from "../config/config.ts";
import { AppError } from "../errors.ts";
import type { HydraApi } from "../hydra/hydra-api.ts";
import type { HydraBuild } from "../hydra/schemas.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "./blob-store.ts";
import type { Codec } from "./codec.ts";
import { hydraProductSource, type ProductSource } from "./product-source.ts";
import { parseReleaseIndex, type ReleaseFileEntry, renderReleaseIndex } from "./release-index.ts";
import { releaseFileKey, releaseIndexKey } from "./release-paths.ts";
import { storeStorePaths } from "./store-paths-file.ts";
import { type StoredProduct, storeProduct } from "./store-product.ts";

export interface ReleaseToWrite {
  channel: string;
  /** Release name, e.g. `nixos-26.11pre1046609.643809054d65` (the aggregate's nixname). */
  name: string;
  revision: string;
  evalId: number;
  /** What to publish (see `channelProducts`); the first one's job must exist in the eval. */
  products: readonly ProductSpec[];
  revisionCommittedAt: Date;
  publishedAt: Date;
  /** Hydra base URL for `src-url`; defaults to the Hydra client's own eval URL. */
  hydraUrl?: string;
  binaryCacheUrl?: string;
}

export interface WriteReleaseDeps {
  hydra: HydraApi;
  store: BlobStore;
  logger: Logger;
  /** Absent on Workers: then `store-paths.xz` is not written. */
  codec?: Codec;
  /** Default: Hydra's download links. */
  productSource?: ProductSource;
  /** Overall deadline of each product download; default the config's. */
  downloadDeadlineMs?: number;
}

/** Runs after the products are stored and before the index: e.g. the programs.sqlite repack. */
export type BeforeIndex = (stored: StoredProduct[]) => Promise<{
  replaced: ReleaseFileEntry[];
  /** Files whose `.sha256` must not be published (repacked tarballs differ from Hydra's). */
  withoutSha256: string[];
  /** Lines for the release page (e.g. what the programs index skipped). */
  notes?: string[];
}>;

/**
 * Writes a release's files to storage, checking each product against Hydra's sha256, and the
 * index page last (it marks the release complete). Safe to re-run after a crash at any point:
 * files already stored are not fetched again, and a finished release costs no Hydra request.
 */
export async function writeReleaseFiles(
  deps: WriteReleaseDeps,
  release: ReleaseToWrite,
  beforeIndex?: BeforeIndex,
): Promise<{ files: ReleaseFileEntry[] }> {
  const log = deps.logger.child({ channel: release.channel, step: "files", release: release.name });
  const key = (file: string) => releaseFileKey(release.channel, release.name, file);
  const indexKey = releaseIndexKey(release.channel, release.name);

  const index = await deps.store.get(indexKey);
  if (index) {
    log.debug("release files already complete");
    return { files: await listStored(deps.store, key, await new Response(index.body).text()) };
  }

  const files = new Map<string, ReleaseFileEntry>();
  const storeText = async (name: string, text: string) => {
    const existing = await deps.store.head(key(name));
    const stored = existing
      ? { size: existing.size, sha256: existing.etag }
      : await deps.store.put(key(name), text);
    files.set(name, { name, ...stored });
  };

  const stored = await storeProducts(deps, release, key, log);
  for (const p of stored) files.set(p.file.name, p.file);
  const after = beforeIndex ? await beforeIndex(stored) : { replaced: [], withoutSha256: [] };
  for (const f of after.replaced) files.set(f.name, f);
  for (const p of stored) {
    if (!after.withoutSha256.includes(p.file.name)) {
      await storeText(`${p.file.name}.sha256`, `${p.sha256}  ${p.file.name}`);
    }
  }

  if (deps.codec) {
    const paths = await storeStorePaths({ ...deps, codec: deps.codec }, release.evalId, key);
    files.set(paths.name, paths);
  } else {
    log.warn("store-paths.xz skipped: this runtime has no xz");
  }
  // Like the real files: no trailing newline.
  await storeText("src-url", srcUrl(deps.hydra, release));
  await storeText("git-revision", release.revision);
  await storeText("binary-cache-url", release.binaryCacheUrl ?? "https://cache.nixos.org");

  const listing = sortByName([...files.values()]);
  const html = renderReleaseIndex({
    channel: release.channel,
    releaseName: release.name,
    revision: release.revision,
    evalId: release.evalId,
    evalUrl: srcUrl(deps.hydra, release),
    publishedAt: release.publishedAt,
    revisionCommittedAt: release.revisionCommittedAt,
    files: listing,
    notes: after.notes,
  });
  await deps.store.put(indexKey, html);
  log.info("release files complete", { files: listing.length });
  return { files: listing };
}

async function storeProducts(
  deps: WriteReleaseDeps,
  release: ReleaseToWrite,
  key: (file: string) => string,
  log: Logger,
): Promise<StoredProduct[]> {
  const source = deps.productSource ?? hydraProductSource(deps.hydra);
  const builds = new Map<string, HydraBuild | null>();
  const buildOf = async (job: string) => {
    if (!builds.has(job)) {
      const id = await deps.hydra.evalJobBuildId(release.evalId, job);
      builds.set(job, id === null ? null : await deps.hydra.build(id));
    }
    return builds.get(job) ?? null;
  };
  const stored: StoredProduct[] = [];
  for (const [i, wanted] of release.products.entries()) {
    const build = await buildOf(wanted.job);
    if (!build) {
      // The tarball is the release; an image a release line never had is not (24.x had no iso_graphical).
      if (i === 0) {
        throw new AppError("NO_PRODUCT", `eval ${release.evalId} has no job ${wanted.job}`, {
          context: { evalId: release.evalId, job: wanted.job },
        });
      }
      log.warn("eval has no such job; product skipped", { job: wanted.job });
      continue;
    }
    const downloadDeadlineMs = deps.downloadDeadlineMs ?? DEFAULT_DOWNLOAD_DEADLINE_SECONDS * 1000;
    stored.push(
      await storeProduct({ ...deps, source, logger: log, downloadDeadlineMs }, build, wanted, key),
    );
  }
  return stored;
}

function srcUrl(hydra: HydraApi, release: ReleaseToWrite): string {
  return release.hydraUrl
    ? `${release.hydraUrl.replace(/\/+$/, "")}/eval/${release.evalId}`
    : hydra.evalUrl(release.evalId);
}

/** A finished release's files, from its index page plus the `.sha256` files beside them. */
async function listStored(
  store: BlobStore,
  key: (file: string) => string,
  html: string,
): Promise<ReleaseFileEntry[]> {
  const listed = parseReleaseIndex(html);
  const checksums = await Promise.all(
    listed.map(async ({ name }) => {
      const info = await store.head(key(`${name}.sha256`));
      return info ? { name: `${name}.sha256`, size: info.size, sha256: info.etag } : null;
    }),
  );
  return sortByName([...listed, ...checksums.filter((f) => f !== null)]);
}

function sortByName(files: ReleaseFileEntry[]): ReleaseFileEntry[] {
  return files.toSorted((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
