import type { HydraApi } from "../hydra/hydra-api.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "./blob-store.ts";
import { bytesStream, type Codec } from "./codec.ts";
import type { ReleaseFileEntry } from "./release-index.ts";

export const STORE_PATHS_FILE = "store-paths.xz";

/** `store-paths.xz`: the eval's output paths from Hydra, deduplicated, one per line, xz. */
export async function storeStorePaths(
  deps: { hydra: HydraApi; store: BlobStore; codec: Codec; logger: Logger },
  evalId: number,
  key: (file: string) => string,
): Promise<ReleaseFileEntry> {
  const existing = await deps.store.head(key(STORE_PATHS_FILE));
  if (existing) return { name: STORE_PATHS_FILE, size: existing.size, sha256: existing.etag };
  const paths = [...new Set(await deps.hydra.storePaths(evalId))];
  const text = paths.map((p) => `${p}\n`).join("");
  const stored = await deps.store.put(key(STORE_PATHS_FILE), deps.codec.xz(bytesStream(text)));
  deps.logger.info("release file stored", { file: STORE_PATHS_FILE, paths: paths.length });
  return { name: STORE_PATHS_FILE, ...stored };
}
