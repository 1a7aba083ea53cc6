import { AppError } from "../errors.ts";
import type { HydraApi } from "../hydra/hydra-api.ts";
import type { HydraBuildProduct } from "../hydra/schemas.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "./blob-store.ts";
import { type ReleaseFileEntry, renderReleaseIndex } from "./release-index.ts";
import { releaseFileKey, releaseIndexKey } from "./release-paths.ts";

export interface ReleaseToWrite {
  channel: string;
  /** Release name, e.g. `nixos-26.11pre1046609.643809054d65` (the aggregate's nixname). */
  name: string;
  revision: string;
  evalId: number;
  /** The build carrying `nixexprs.tar.xz` (`nixos.channel` or nixpkgs' `tarball`). */
  productBuildId: number;
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
}

interface WantedProduct {
  name: string;
  subtype: string;
  required: boolean;
}

// The nixpkgs `tarball` job carries all three; `nixos.channel` only the tarballs.
const WANTED_PRODUCTS: readonly WantedProduct[] = [
  { name: "nixexprs.tar.xz", subtype: "source-dist", required: true },
  { name: "nixexprs.tar.zst", subtype: "source-dist", required: false },
  { name: "packages.json.br", subtype: "json-br", required: false },
];

const TEXT_FILES = ["src-url", "git-revision", "binary-cache-url"] as const;

/** Every file name a release written here can hold, for listing a finished release without Hydra. */
const KNOWN_FILES = [
  ...TEXT_FILES,
  ...WANTED_PRODUCTS.flatMap((p) => [p.name, `${p.name}.sha256`]),
  "store-paths.xz",
];

/**
 * Writes a release's files to storage, checking each product against Hydra's sha256, and the
 * index page last (it marks the release complete). Safe to re-run after a crash at any point:
 * files already stored are not fetched again, and a finished release costs no Hydra request.
 */
export async function writeReleaseFiles(
  deps: WriteReleaseDeps,
  release: ReleaseToWrite,
): Promise<{ files: ReleaseFileEntry[] }> {
  const log = deps.logger.child({ channel: release.channel, step: "files", release: release.name });
  const key = (file: string) => releaseFileKey(release.channel, release.name, file);
  const indexKey = releaseIndexKey(release.channel, release.name);

  if (await deps.store.head(indexKey)) {
    log.debug("release files already complete");
    return { files: await listStored(deps.store, key) };
  }

  const build = await deps.hydra.build(release.productBuildId);
  const files: ReleaseFileEntry[] = [];
  const storeText = async (name: string, text: string) => {
    const existing = await deps.store.head(key(name));
    const stored = existing
      ? { size: existing.size, sha256: existing.etag }
      : await deps.store.put(key(name), text);
    files.push({ name, ...stored });
  };

  for (const wanted of WANTED_PRODUCTS) {
    const found = findProduct(build.buildproducts, wanted);
    if (!found) {
      if (!wanted.required) continue;
      throw new AppError(
        "RELEASE_PRODUCT_MISSING",
        `build ${release.productBuildId} has no ${wanted.subtype} product named ${wanted.name}`,
        {
          context: {
            buildId: release.productBuildId,
            products: productSummary(build.buildproducts),
          },
        },
      );
    }
    const [productNr, product] = found;
    const sha256 = product.sha256hash;
    if (!sha256) {
      throw new AppError(
        "RELEASE_PRODUCT_UNHASHED",
        `Hydra gives no sha256 for ${wanted.name} of build ${release.productBuildId}; cannot verify it`,
        { context: { buildId: release.productBuildId, productNr } },
      );
    }
    const existing = await deps.store.head(key(wanted.name));
    if (existing?.etag === sha256) {
      files.push({ name: wanted.name, size: existing.size, sha256 });
    } else {
      if (existing)
        log.warn("stored file differs from Hydra's, fetching again", { file: wanted.name });
      const body = await deps.hydra.download(release.productBuildId, productNr, product.name);
      const stored = await deps.store.put(key(wanted.name), body, { expectedSha256: sha256 });
      log.info("release file stored", { file: wanted.name, size: stored.size });
      files.push({ name: wanted.name, ...stored });
    }
    await storeText(`${wanted.name}.sha256`, `${sha256}  ${wanted.name}`);
  }

  // Like the real files: no trailing newline.
  await storeText("src-url", srcUrl(deps.hydra, release));
  await storeText("git-revision", release.revision);
  await storeText("binary-cache-url", release.binaryCacheUrl ?? "https://cache.nixos.org");

  const html = renderReleaseIndex({
    channel: release.channel,
    releaseName: release.name,
    revision: release.revision,
    evalId: release.evalId,
    evalUrl: srcUrl(deps.hydra, release),
    publishedAt: release.publishedAt,
    revisionCommittedAt: release.revisionCommittedAt,
    files,
  });
  await deps.store.put(indexKey, html);
  log.info("release files complete", { files: files.length });
  return { files: sortByName(files) };
}

function srcUrl(hydra: HydraApi, release: ReleaseToWrite): string {
  return release.hydraUrl
    ? `${release.hydraUrl.replace(/\/+$/, "")}/eval/${release.evalId}`
    : hydra.evalUrl(release.evalId);
}

function findProduct(
  products: Record<string, HydraBuildProduct>,
  wanted: WantedProduct,
): [string, HydraBuildProduct] | undefined {
  return Object.entries(products).find(
    ([, p]) => p.subtype === wanted.subtype && p.name === wanted.name,
  );
}

function productSummary(products: Record<string, HydraBuildProduct>): string[] {
  return Object.entries(products).map(([nr, p]) => `${nr}: ${p.type}/${p.subtype} ${p.name}`);
}

async function listStored(
  store: BlobStore,
  key: (file: string) => string,
): Promise<ReleaseFileEntry[]> {
  const found = await Promise.all(
    KNOWN_FILES.map(async (name) => {
      const info = await store.head(key(name));
      return info ? { name, size: info.size, sha256: info.etag } : null;
    }),
  );
  return sortByName(found.filter((f) => f !== null));
}

function sortByName(files: ReleaseFileEntry[]): ReleaseFileEntry[] {
  return files.toSorted((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
