import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../../errors.ts";
import { createRateLimiter } from "../../hydra/rate-limiter.ts";
import type { Logger } from "../../log.ts";
import type { BinaryCache } from "../binary-cache.ts";
import { TARBALLS } from "../channel-products.ts";
import { compressFile } from "../codec.node.ts";
import type { Codec } from "../codec.ts";
import type { ReleaseFileEntry } from "../release-index.ts";
import { indexPrograms, type PackageOutputs } from "./index-programs.ts";
import { openFileListingJournal } from "./listing-journal.node.ts";
import { buildProgramsDb } from "./programs-db.ts";
import type { ProgramsIndexer } from "./programs-indexer.ts";
import { queryPackages } from "./query-packages.node.ts";
import { readListingPrograms } from "./read-listing.ts";
import { packTarball, topDirectory, unpackTarball } from "./repack-nixexprs.node.ts";
import { asScratchFull } from "./scratch-full.node.ts";

/** The systems command-not-found is indexed for on the real channels. */
export const INDEXED_SYSTEMS = ["x86_64-linux", "aarch64-linux"] as const;

export interface NodeProgramsIndexerOptions {
  cache: BinaryCache;
  codec: Codec;
  logger: Logger;
  /** Scratch space: the unpacked tree, nix-env's private store, the listing journals. */
  workDir: string;
  requestsPerSecond: number;
  concurrency: number;
  nixEnv?: string;
}

const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, "_");

export function createNodeProgramsIndexer(opts: NodeProgramsIndexerOptions): ProgramsIndexer {
  const limiter = createRateLimiter({ requestsPerSecond: opts.requestsPerSecond });
  return {
    async indexAndRepack(input) {
      const log = opts.logger.child({ channel: input.channel, step: "files", task: "programs" });
      const tarballs = input.stored.filter((p) =>
        (TARBALLS as readonly string[]).includes(p.file.name),
      );
      const source = tarballs[0];
      if (!source) {
        throw new AppError("NIXEXPRS_MISSING", "programs index: the release stored no tarball");
      }
      const tree = join(opts.workDir, "tree", safeName(input.channel));
      const tarFile = `${tree}.tar`;
      await rm(tree, { recursive: true, force: true });
      await mkdir(tree, { recursive: true });
      try {
        const object = await input.store.get(input.key(source.file.name));
        if (!object) {
          throw new AppError("NIXEXPRS_MISSING", `programs index: no ${source.file.name} stored`);
        }
        const format = source.file.name.endsWith(".zst") ? "zstd" : "xz";
        await unpackTarball(opts.codec, format, object.body, tree);
        const top = await topDirectory(tree);

        const packages: PackageOutputs[] = [];
        for (const system of INDEXED_SYSTEMS) {
          // One at a time: evaluating nixpkgs takes a few GiB of memory each.
          const found = await queryPackages(join(tree, top), system, {
            scratchDir: opts.workDir,
            nixEnv: opts.nixEnv,
          });
          log.info("expression evaluated", { system, packages: found.length });
          packages.push(...found);
        }
        const journal = await openFileListingJournal(
          join(opts.workDir, "journal", `${safeName(input.channel)}.jsonl`),
          input.release,
        );
        const requestsBefore = opts.cache.requests();
        const { rows, report } = await indexPrograms(
          {
            readListing: (path) => readListingPrograms(opts, path),
            journal,
            limiter,
            concurrency: opts.concurrency,
            logger: log,
            async onProgress(progress) {
              log.info("programs index progress", { ...progress });
              await input.onProgress(progress);
            },
          },
          packages,
        );
        await writeFile(join(tree, top, "programs.sqlite"), await buildProgramsDb(rows));
        log.info("programs index built", {
          ...report,
          requests: opts.cache.requests() - requestsBefore,
        });

        await packTarball(tree, top, tarFile);
        const replaced: ReleaseFileEntry[] = await Promise.all(
          tarballs.map(async ({ file: { name } }) => {
            const body = compressFile(name.endsWith(".zst") ? "zstd" : "xz", tarFile);
            const stored = await input.store.put(input.key(name), body);
            log.info("tarball repacked with programs.sqlite", { file: name, ...stored });
            return { name, ...stored };
          }),
        );
        return { replaced, report };
      } catch (err) {
        // tar, nix-env and SQLite say it in their own words; the page should say which disk.
        throw await asScratchFull(opts.workDir, err);
      } finally {
        await rm(tree, { recursive: true, force: true });
        await rm(tarFile, { force: true });
      }
    },
  };
}
