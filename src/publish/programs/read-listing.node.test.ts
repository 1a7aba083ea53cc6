import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter } from "../../hydra/rate-limiter.ts";
import { silentLogger } from "../../log.ts";
import { type FakeBinaryCache, startFakeBinaryCache } from "../../sim/fake-binary-cache.node.ts";
import type { NarTree } from "../../sim/nar-writer.ts";
import { createBinaryCache } from "../binary-cache.ts";
import { createNodeCodec } from "../codec.node.ts";
import { indexPrograms } from "./index-programs.ts";
import { memoryListingJournal } from "./listing-journal.ts";
import { readListingPrograms } from "./read-listing.ts";

const path = (n: number, name: string) => `/nix/store/${String(n).repeat(32)}-${name}`;
const small = path(1, "hello-2.12");
const bigZstd = path(2, "texlive-combined-2025");
const bigBrotli = path(3, "linux-firmware-20251111");

/** `bin/` with `n` executables: a listing of about 60 bytes per entry, highly compressible. */
function binDir(n: number): NarTree {
  const entries: Record<string, NarTree> = {};
  for (let i = 0; i < n; i++) {
    entries[`tool-${String(i).padStart(5, "0")}`] = {
      type: "regular",
      executable: true,
      contents: new Uint8Array(0),
    };
  }
  return { type: "directory", entries: { bin: { type: "directory", entries } } };
}

describe(".ls listings are capped like every other download", () => {
  let fake: FakeBinaryCache;
  beforeAll(async () => {
    fake = await startFakeBinaryCache();
    fake.add(small, binDir(2));
    fake.add(bigZstd, binDir(3000), { listing: "zstd" });
    fake.add(bigBrotli, binDir(3000), { listing: "br" });
  });
  afterAll(() => fake?.close());

  const deps = (caps: { sent?: number; decoded?: number }) => ({
    cache: createBinaryCache({
      baseUrl: fake.url,
      userAgent: "test",
      ...(caps.sent ? { maxListingBytes: caps.sent } : {}),
    }),
    codec: createNodeCodec(),
    ...(caps.decoded ? { maxDecodedListingBytes: caps.decoded } : {}),
  });

  it("reads listings under the caps", async () => {
    const read = await readListingPrograms(deps({ sent: 4096, decoded: 1 << 20 }), small);
    expect(read).toEqual({ kind: "programs", programs: ["tool-00000", "tool-00001"] });
    const zstd = await readListingPrograms(deps({ decoded: 1 << 20 }), bigZstd);
    expect(zstd.kind === "programs" && zstd.programs.length).toBe(3000);
  });

  it("refuses a listing whose Content-Length is over the cap, unread", async () => {
    const err = await readListingPrograms(deps({ sent: 256 }), bigZstd).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DOWNLOAD_TOO_LARGE" });
    expect(String(err)).toMatch(
      /Content-Length \d+ is over its cap of 256 bytes \(the \.ls listing cap\)/,
    );
  });

  it("stops decoding a zstd or brotli listing at the decoded cap", async () => {
    for (const storePath of [bigZstd, bigBrotli]) {
      const err = await readListingPrograms(deps({ decoded: 64 * 1024 }), storePath).catch(
        (e: unknown) => e,
      );
      expect(err, storePath).toMatchObject({ code: "DOWNLOAD_TOO_LARGE" });
      expect(String(err)).toContain(
        `.ls of ${storePath}: decodes to more than its cap of 65536 bytes`,
      );
    }
  });

  it("skips an oversized listing in the index and counts it, instead of failing the release", async () => {
    const { report, rows } = await indexPrograms(
      {
        readListing: (p) => readListingPrograms(deps({ decoded: 64 * 1024 }), p),
        journal: memoryListingJournal(),
        limiter: createRateLimiter({ requestsPerSecond: 1000 }),
        concurrency: 2,
        logger: silentLogger,
      },
      [
        { attrPath: "hello", system: "x86_64-linux", outputs: [small] },
        { attrPath: "texlive.combined", system: "x86_64-linux", outputs: [bigZstd] },
      ],
    );
    expect(report).toMatchObject({ storePaths: 2, unreadable: 1, missing: 0, programs: 2 });
    expect(rows.map((r) => r.name).sort()).toEqual(["tool-00000", "tool-00001"]);
  });
});
