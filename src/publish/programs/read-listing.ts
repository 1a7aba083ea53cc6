import { decompress } from "fzstd";
import { UpstreamError } from "../../errors.ts";
import type { BinaryCache } from "../binary-cache.ts";
import { bytesStream, type Codec, sniffListingCompression } from "../codec.ts";
import { programsInListing } from "./listing-programs.ts";

export type ListingResult = { kind: "programs"; programs: string[] } | { kind: "missing" };

/**
 * The commands in a store path's `bin/`, from its `.ls` listing, or `missing` when the cache has
 * none. No header says how a listing is encoded (zstd or brotli, nix-index#320), so the bytes do.
 */
export async function readListingPrograms(
  deps: { cache: BinaryCache; codec: Codec },
  storePath: string,
): Promise<ListingResult> {
  const body = await deps.cache.listing(storePath);
  if (!body) return { kind: "missing" };
  const raw = new Uint8Array(await new Response(body).arrayBuffer());
  const format = sniffListingCompression(raw.subarray(0, 4));
  let programs: string[] | null;
  try {
    // In-process zstd: a nixpkgs release has ~240k listings, one decoder process each is too many.
    const text =
      format === "zstd"
        ? new TextDecoder().decode(decompress(raw))
        : await new Response(deps.codec.decompress(format, bytesStream(raw))).text();
    programs = programsInListing(JSON.parse(text));
  } catch (cause) {
    throw unreadable(storePath, `${format}: ${String(cause)}`, cause);
  }
  if (!programs) throw unreadable(storePath, "not a NAR listing");
  return { kind: "programs", programs };
}

function unreadable(storePath: string, why: string, cause?: unknown): UpstreamError {
  return new UpstreamError("LISTING_UNREADABLE", `.ls of ${storePath} is unreadable (${why})`, {
    retryable: false,
    cause,
  });
}
