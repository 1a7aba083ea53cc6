import type { DownloadBudget } from "../download-limits.ts";
import type { HydraApi } from "../hydra/hydra-api.ts";
import type { HydraBuild, HydraBuildProduct } from "../hydra/schemas.ts";

export interface ProductRef {
  build: HydraBuild;
  productNr: string;
  product: HydraBuildProduct;
}

/**
 * Where a build product's bytes come from; the caller checks them against Hydra's sha256 and
 * enforces `budget` on the bytes it gets. A source refuses early what it can tell is too large.
 */
export interface ProductSource {
  open(
    ref: ProductRef,
    budget: DownloadBudget,
  ): Promise<{ body: ReadableStream<Uint8Array>; via: string }>;
}

/** Hydra's `/build/ID/download/N/NAME` (the fallback since the updater reads the binary cache). */
export function hydraProductSource(hydra: Pick<HydraApi, "download">): ProductSource {
  return {
    async open({ build, productNr, product }, budget) {
      return {
        body: await hydra.download(build.id, productNr, product.name, budget),
        via: "hydra",
      };
    },
  };
}
