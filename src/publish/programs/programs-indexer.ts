import type { BlobStore } from "../blob-store.ts";
import type { ReleaseFileEntry } from "../release-index.ts";
import type { StoredProduct } from "../store-product.ts";
import type { IndexProgress, ProgramsIndexReport } from "./index-programs.ts";

export interface ProgramsIndexInput {
  channel: string;
  release: string;
  store: BlobStore;
  /** The release's stored products; the NixOS tarballs among them are repacked. */
  stored: readonly StoredProduct[];
  key(file: string): string;
  onProgress(progress: IndexProgress): Promise<void>;
}

/**
 * Builds programs.sqlite from the channel's own expression and the binary cache's listings and
 * repacks the tarballs with it inside (reference/channel-infra.md §3 step 6). Node only: it runs
 * nix-env, tar, xz and zstd. A Worker has none and publishes Hydra's tarballs as they are.
 */
export interface ProgramsIndexer {
  indexAndRepack(
    input: ProgramsIndexInput,
  ): Promise<{ replaced: ReleaseFileEntry[]; report: ProgramsIndexReport }>;
}

/** The release page's line about the index: how much was indexed and what was skipped. */
export function describeProgramsIndex(report: ProgramsIndexReport): string {
  const skipped = report.missing + report.unreadable;
  return (
    `programs.sqlite: ${report.programs} commands from ${report.storePaths} store paths ` +
    `(${report.systems.join(", ")}); ${skipped} skipped: ${report.missing} with no .ls listing ` +
    `in the binary cache, ${report.unreadable} unreadable.`
  );
}
