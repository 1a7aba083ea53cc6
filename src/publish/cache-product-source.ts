import { byteCap, limitDownload } from "../download-limits.ts";
import type { Logger } from "../log.ts";
import { type BinaryCache, splitStorePath } from "./binary-cache.ts";
import type { Codec } from "./codec.ts";
import { extractNarFile } from "./nar-reader.ts";
import type { ProductSource } from "./product-source.ts";

/**
 * Products as the real updater reads them since 2024 (`nix store cat` from the cache): narinfo →
 * NAR → decompress → the product's file out of the NAR, all streamed. Without a narinfo (not
 * pushed to the cache) the product comes from `fallback` (Hydra's download link).
 */
export function cacheProductSource(deps: {
  cache: BinaryCache;
  codec: Codec;
  fallback: ProductSource;
  logger: Logger;
}): ProductSource {
  return {
    async open(ref, budget) {
      const path = ref.product.path;
      if (!path?.startsWith("/nix/store/")) return deps.fallback.open(ref, budget);
      const [storePath, inside] = splitStorePath(path);
      const info = await deps.cache.narInfo(storePath, budget.signal);
      if (!info) {
        deps.logger.warn("product not in the binary cache; downloading it from Hydra", {
          path: storePath,
          cache: deps.cache.baseUrl,
        });
        return deps.fallback.open(ref, budget);
      }
      const compressed = await deps.cache.nar(info, budget.signal);
      // A decompression bomb stops at the narinfo's NarSize, however small the download was.
      const nar = limitDownload(
        deps.codec.decompress(info.compression, compressed),
        { ...byteCap(info.narSize, "the narinfo's NarSize"), signal: budget.signal },
        `NAR of ${storePath}`,
      );
      return { body: extractNarFile(nar, inside), via: `cache (${info.compression} NAR)` };
    },
  };
}
