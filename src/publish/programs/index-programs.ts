import { AppError } from "../../errors.ts";
import type { RateLimiter } from "../../hydra/rate-limiter.ts";
import type { Logger } from "../../log.ts";
import { storePathHash } from "../binary-cache.ts";
import type { ListingJournal } from "./listing-journal.ts";
import type { ProgramRow } from "./programs-db.ts";
import type { ListingResult } from "./read-listing.ts";

/** One package of an evaluated expression: its attribute path and output store paths. */
export interface PackageOutputs {
  attrPath: string;
  system: string;
  outputs: string[];
}

export interface ProgramsIndexReport {
  systems: string[];
  /** Distinct output store paths of the evaluated packages. */
  storePaths: number;
  /** Of those: no `.ls` in the binary cache, skipped (as nix-index does). */
  missing: number;
  /** Of those: a listing that could not be decoded or is over its size cap, skipped too. */
  unreadable: number;
  /** Listings known from an earlier (or crashed) run, not fetched again. */
  reused: number;
  programs: number;
}

export interface IndexProgress {
  done: number;
  total: number;
  skipped: number;
}

export interface IndexProgramsDeps {
  readListing(storePath: string): Promise<ListingResult>;
  journal: ListingJournal;
  /** Paces listing requests (the binary cache's politeness limit). */
  limiter: RateLimiter;
  /** Listing requests in flight at once. */
  concurrency: number;
  logger: Logger;
  onProgress?(progress: IndexProgress): Promise<void>;
  /** Report progress every this many store paths (and at the end). */
  progressEvery?: number;
}

const SKIPPED_CODES: ReadonlySet<string> = new Set(["LISTING_UNREADABLE", "DOWNLOAD_TOO_LARGE"]);

/** Every `bin/` command of every package output, read from the binary cache's listings. */
export async function indexPrograms(
  deps: IndexProgramsDeps,
  packages: readonly PackageOutputs[],
): Promise<{ rows: ProgramRow[]; report: ProgramsIndexReport }> {
  const owners = new Map<string, { package: string; system: string }[]>();
  for (const pkg of packages) {
    for (const path of pkg.outputs) {
      const list = owners.get(path) ?? [];
      list.push({ package: pkg.attrPath, system: pkg.system });
      owners.set(path, list);
    }
  }
  const paths = [...owners.keys()].sort();
  const report: ProgramsIndexReport = {
    systems: [...new Set(packages.map((p) => p.system))].sort(),
    storePaths: paths.length,
    missing: 0,
    unreadable: 0,
    reused: 0,
    programs: 0,
  };
  const rows: ProgramRow[] = [];
  const every = deps.progressEvery ?? 500;
  let done = 0;
  const progress = async () => {
    const skipped = report.missing + report.unreadable;
    await deps.onProgress?.({ done, total: paths.length, skipped });
  };

  const one = async (path: string) => {
    const hash = storePathHash(path);
    let result = deps.journal.lookup(hash);
    if (result) report.reused++;
    else {
      await deps.limiter.acquire();
      try {
        result = await deps.readListing(path);
      } catch (err) {
        // A listing that cannot be read or is over its size cap stays so: skip it, as nix-index does.
        if (!(err instanceof AppError) || !SKIPPED_CODES.has(err.code)) throw err;
        deps.logger.warn("listing unreadable; store path skipped", {
          path,
          code: err.code,
          error: err.message,
        });
        report.unreadable++;
        return;
      }
      await deps.journal.record(hash, result);
    }
    if (result.kind === "missing") {
      report.missing++;
      return;
    }
    for (const owner of owners.get(path) ?? []) {
      for (const name of result.programs) rows.push({ name, ...owner });
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++];
      if (path === undefined) break;
      await one(path);
      done++;
      if (done % every === 0 && done < paths.length) await progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  await progress();
  await deps.journal.finish(paths.map(storePathHash));
  report.programs = rows.length;
  return { rows, report };
}
