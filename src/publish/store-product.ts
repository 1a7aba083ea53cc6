import type { ProductSpec } from "../config/channels-file.ts";
import { byteCap, limitDownload, startDeadline } from "../download-limits.ts";
import { AppError } from "../errors.ts";
import type { HydraBuild, HydraBuildProduct } from "../hydra/schemas.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "./blob-store.ts";
import type { ProductSource } from "./product-source.ts";
import type { ReleaseFileEntry } from "./release-index.ts";

export interface StoredProduct {
  file: ReleaseFileEntry;
  /** Hydra's hash, for the `.sha256` file. */
  sha256: string;
  /** The product's store path (where a cache would have it). */
  path: string;
}

/** Stores one product under its release name unless it is already there with Hydra's hash. */
export async function storeProduct(
  deps: { store: BlobStore; source: ProductSource; logger: Logger; downloadDeadlineMs: number },
  build: HydraBuild,
  wanted: ProductSpec,
  key: (file: string) => string,
): Promise<StoredProduct> {
  const [productNr, product] = findProduct(build, wanted);
  const sha256 = product.sha256hash;
  if (!sha256) {
    throw new AppError(
      "RELEASE_PRODUCT_UNHASHED",
      `Hydra gives no sha256 for ${product.name} of build ${build.id}; cannot verify it`,
      { context: { buildId: build.id, productNr } },
    );
  }
  const name = wanted.file ?? baseName(product.path ?? product.name);
  const path = product.path ?? "";
  const existing = await deps.store.head(key(name));
  if (existing?.etag === sha256) {
    return { file: { name, size: existing.size, sha256 }, sha256, path };
  }
  if (existing)
    deps.logger.warn("stored file differs from Hydra's, fetching again", { file: name });
  const what = `${name} of build ${build.id}`;
  const deadline = startDeadline(deps.downloadDeadlineMs, what);
  try {
    const budget = { ...byteCap(product.filesize, "Hydra's filesize"), signal: deadline.signal };
    const { body, via } = await deps.source.open({ build, productNr, product }, budget);
    const stored = await deps.store.put(key(name), limitDownload(body, budget, what), {
      expectedSha256: sha256,
    });
    deps.logger.info("release file stored", { file: name, size: stored.size, via });
    return { file: { name, ...stored }, sha256, path };
  } finally {
    deadline.clear();
  }
}

function findProduct(build: HydraBuild, wanted: ProductSpec): [string, HydraBuildProduct] {
  const found = Object.entries(build.buildproducts).find(
    ([, p]) =>
      p.subtype === wanted.subtype &&
      (wanted.suffix === undefined || (p.path ?? p.name).endsWith(wanted.suffix)),
  );
  if (found) return found;
  const summary = Object.entries(build.buildproducts).map(
    ([nr, p]) => `${nr}: ${p.type}/${p.subtype} ${p.name}`,
  );
  const what = `${wanted.subtype} product${wanted.suffix ? ` ending in ${wanted.suffix}` : ""}`;
  throw new AppError(
    "RELEASE_PRODUCT_MISSING",
    `build ${build.id} (${wanted.job}) has no ${what}`,
    { context: { buildId: build.id, job: wanted.job, products: summary } },
  );
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
