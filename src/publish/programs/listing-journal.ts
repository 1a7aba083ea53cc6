import type { ListingResult } from "./read-listing.ts";

/**
 * What a channel's earlier index runs learnt about listings, so a crashed run resumes and the
 * next release re-fetches only new store paths. A store path's listing never changes; a missing
 * one may be pushed later, so `missing` is only trusted within the release that saw it.
 */
export interface ListingJournal {
  lookup(storePathHash: string): ListingResult | undefined;
  record(storePathHash: string, result: ListingResult): Promise<void>;
  /** Keeps only the listings this release used (the journal does not grow without bound). */
  finish(used: Iterable<string>): Promise<void>;
}

/** An in-memory journal: no resume across processes (tests, and runtimes without a disk). */
export function memoryListingJournal(): ListingJournal {
  const seen = new Map<string, ListingResult>();
  return {
    lookup: (hash) => seen.get(hash),
    async record(hash, result) {
      seen.set(hash, result);
    },
    async finish() {},
  };
}
