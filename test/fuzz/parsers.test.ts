import { resolve, sep } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChannelsFile } from "../../src/config/channels-file.ts";
import { compareVersions, releaseVersion } from "../../src/domain/release-version.ts";
import { AppError } from "../../src/errors.ts";
import { parseBody } from "../../src/hydra/hydra-response.ts";
import { HydraBuild, HydraEval, HydraLatestBuild } from "../../src/hydra/schemas.ts";
import { parseNarInfo } from "../../src/publish/binary-cache.ts";
import { extractNarFile } from "../../src/publish/nar-reader.ts";
import { splitKey } from "../../src/publish/release-paths.ts";
import { parseRange } from "../../src/status/routes/file-response.ts";

// Property tests of the parsers that read what upstreams and clients send. Each property states what
// must hold for every input: an answer of the documented shape, or one of floodgate's typed errors,
// never a crash with a bare Error. Run counts are fixed so the suite's time stays bounded.
const RUNS = 1000;

/** The property holds when `f` returns, or throws an AppError (a typed, user-facing error). */
function returnsOrTypedError(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof AppError) return true;
    throw err;
  }
}

const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.constantFrom("", "\0", "..", "../../etc/passwd", "%2e%2e%2f", "a/../b", "\\..\\", "/abs"),
);

describe("hostile input: parsers", () => {
  it(`Range: any header and size gives none, unsatisfiable or a range inside the file (${RUNS} cases)`, () => {
    const header = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .tuple(fc.option(fc.nat()), fc.option(fc.nat()))
        .map(([a, b]) => `bytes=${a ?? ""}-${b ?? ""}`),
      fc.array(fc.nat({ max: 99 }), { maxLength: 50 }).map((ns) => `bytes=${ns.join("-,")}`),
    );
    fc.assert(
      fc.property(header, fc.nat({ max: 1 << 30 }), (h, size) => {
        const r = parseRange(h, size);
        if (r.kind !== "range") return true;
        return Number.isInteger(r.start) && r.start >= 0 && r.start <= r.end && r.end < size;
      }),
      { numRuns: RUNS },
    );
  });

  it(`store keys: whatever a URL path decodes to, a key never leaves the store's root (${RUNS} cases)`, () => {
    const root = resolve("/srv/floodgate/store");
    const segment = fc.oneof(hostileText, fc.constantFrom(".", "..", "...", ".hidden", "a%2Fb"));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const raw = segments.join("/");
        for (const key of [raw, safeDecode(raw)]) {
          const parts = splitKey(key);
          if (!parts) continue;
          const target = resolve(root, ...parts);
          if (!target.startsWith(root + sep)) return false;
          if (parts.some((p) => p.includes("\0"))) return false;
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`versions: compareVersions is reflexive and antisymmetric, and never throws (${RUNS} cases)`, () => {
    const version = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .array(fc.oneof(fc.nat({ max: 30 }).map(String), fc.constantFrom("pre", "alpha", "")), {
          maxLength: 6,
        })
        .map((parts) => parts.join(".")),
    );
    fc.assert(
      fc.property(version, version, (a, b) => {
        return compareVersions(a, a) === 0 && compareVersions(a, b) === -compareVersions(b, a);
      }),
      { numRuns: RUNS },
    );
  });

  it(`release names: a version or a BAD_RELEASE_NAME error (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(hostileText, (name) => returnsOrTypedError(() => releaseVersion(name))),
      { numRuns: RUNS },
    );
  });

  it(`narinfo: any text gives a usable narinfo or BAD_NARINFO (${RUNS} cases)`, () => {
    const line = fc.oneof(
      hostileText,
      fc
        .tuple(
          fc.constantFrom("StorePath", "URL", "Compression", "NarSize", "FileSize", "X"),
          hostileText,
        )
        .map(([k, v]) => `${k}: ${v}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) =>
        returnsOrTypedError(() => {
          const info = parseNarInfo(lines.join("\n"), "http://cache/x.narinfo");
          expect(info.storePath.length).toBeGreaterThan(0);
          expect(info.url.length).toBeGreaterThan(0);
          for (const size of [info.narSize, info.fileSize]) {
            if (size !== undefined) expect(Number.isSafeInteger(size) && size >= 0).toBe(true);
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it(`Hydra bodies: any text or JSON gives data or a typed Hydra error (${RUNS} cases per schema)`, () => {
    const body = fc.oneof(
      hostileText,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({ id: fc.jsonValue(), buildstatus: fc.jsonValue(), finished: fc.jsonValue() })
        .map((v) => JSON.stringify(v)),
    );
    for (const schema of [HydraBuild, HydraEval, HydraLatestBuild]) {
      fc.assert(
        fc.property(body, (text) =>
          returnsOrTypedError(() => parseBody(text, schema, "http://hydra/x", "application/json")),
        ),
        { numRuns: RUNS },
      );
    }
  });

  it(`channels file: any JSON is accepted or refused with zod issues, never a crash (${RUNS} cases)`, () => {
    const file = fc.oneof(
      fc.jsonValue(),
      fc.record({
        channels: fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(file, (json) => {
        const parsed = ChannelsFile.safeParse(json);
        return parsed.success || parsed.error.issues.length > 0;
      }),
      { numRuns: RUNS },
    );
  });

  it("NAR reader: any bytes end in the file or NAR_INVALID, never a hang (300 cases)", async () => {
    const magic = new TextEncoder().encode("\r\0\0\0\0\0\0\0nix-archive-1\0\0\0");
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 600 }).map((tail) => concat(magic, tail)),
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.constantFrom("", "bin/hello", "../x"), async (nar, path) => {
        try {
          await new Response(extractNarFile(streamOf(nar), path)).arrayBuffer();
          return true;
        } catch (err) {
          return err instanceof AppError && err.code === "NAR_INVALID";
        }
      }),
      { numRuns: 300 },
    );
  });
});

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += 64) controller.enqueue(bytes.slice(i, i + 64));
      controller.close();
    },
  });
}
