import { Decompress } from "fzstd";
import {
  DownloadLimitError,
  LISTING_CAPS,
  limitDownload,
  neverAborted,
} from "../../download-limits.ts";
import { UpstreamError } from "../../errors.ts";
import type { BinaryCache } from "../binary-cache.ts";
import { bytesStream, type Codec, sniffListingCompression } from "../codec.ts";
import { programsInListing } from "./listing-programs.ts";

export type ListingResult = { kind: "programs"; programs: string[] } | { kind: "missing" };

export interface ReadListingDeps {
  cache: BinaryCache;
  codec: Codec;
  /** Cap of one listing once decoded (default LISTING_CAPS.decodedBytes). */
  maxDecodedListingBytes?: number;
}

/**
 * The commands in a store path's `bin/`, from its `.ls` listing, or `missing` when the cache has
 * none. No header says how a listing is encoded (zstd or brotli, nix-index#320), so the bytes do.
 * A listing over its cap, as sent or decoded, errors with DOWNLOAD_TOO_LARGE.
 */
export async function readListingPrograms(
  deps: ReadListingDeps,
  storePath: string,
): Promise<ListingResult> {
  const body = await deps.cache.listing(storePath);
  if (!body) return { kind: "missing" };
  const raw = new Uint8Array(await new Response(body).arrayBuffer());
  const format = sniffListingCompression(raw.subarray(0, 4));
  const what = `.ls of ${storePath}`;
  const cap = {
    maxBytes: deps.maxDecodedListingBytes ?? LISTING_CAPS.decodedBytes,
    capReason: "the decoded .ls listing cap",
    signal: neverAborted(),
  };
  let programs: string[] | null;
  try {
    // In-process zstd: a nixpkgs release has ~240k listings, one decoder process each is too many.
    const text =
      format === "zstd"
        ? decodeZstd(raw, cap.maxBytes, what)
        : await new Response(
            limitDownload(deps.codec.decompress(format, bytesStream(raw)), cap, what),
          ).text();
    programs = programsInListing(JSON.parse(text));
  } catch (cause) {
    if (cause instanceof DownloadLimitError) throw decodedTooLarge(cause, what, cap.maxBytes);
    throw unreadable(storePath, `${format}: ${String(cause)}`, cause);
  }
  if (!programs) throw unreadable(storePath, "not a NAR listing");
  return { kind: "programs", programs };
}

/** zstd to text, stopping at the first block past `maxBytes` (a block is at most 128 KiB). */
function decodeZstd(raw: Uint8Array, maxBytes: number, what: string): string {
  const blocks: Uint8Array[] = [];
  let size = 0;
  const decoder = new Decompress((block) => {
    size += block.byteLength;
    if (size > maxBytes) {
      throw new DownloadLimitError("DOWNLOAD_TOO_LARGE", `${what}: too large`, { maxBytes });
    }
    blocks.push(block);
  });
  decoder.push(raw, true);
  const text = new TextDecoder();
  return blocks.map((b, i) => text.decode(b, { stream: i < blocks.length - 1 })).join("");
}

function decodedTooLarge(cause: DownloadLimitError, what: string, maxBytes: number) {
  return new DownloadLimitError(
    "DOWNLOAD_TOO_LARGE",
    `${what}: decodes to more than its cap of ${maxBytes} bytes (the decoded .ls listing cap); skipped`,
    { ...cause.context, maxBytes },
  );
}

function unreadable(storePath: string, why: string, cause?: unknown): UpstreamError {
  return new UpstreamError("LISTING_UNREADABLE", `.ls of ${storePath} is unreadable (${why})`, {
    retryable: false,
    cause,
  });
}
