import { createTtlLru, singleFlight } from "../ttl-lru.ts";
import { isNotFound, type LookupHost } from "./budgeted-lookup-host.ts";

export interface LookupCacheOptions {
  /** Entries kept, answers and "not found"s together. */
  maxEntries: number;
  /** How long "no such commit / PR" is believed (a push or a new PR may change it). */
  negativeTtlMs: number;
  now: () => number;
}

// A commit and the ancestry of two full shas never change; a day bounds what a stale prefix costs.
const IMMUTABLE_TTL_MS = 24 * 3_600_000;
// A lookup's live branch read may lag the branch by this much; the tick reads its own.
const BRANCH_HEAD_TTL_MS = 60_000;
// Branches are merged into each other every few days; an hour-old history moves an ETA little.
const BRANCH_MERGES_TTL_MS = 3_600_000;
const FULL_SHA = /^[0-9a-f]{40}$/;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Lookups' reads through caches: concurrent reads of one key share one call; found commits and
 * full-sha comparisons are kept a day, unknown shas and PR numbers for `negativeTtlMs`, branch
 * heads a minute. Failures other than "not found" (rate limits, outages) are never kept.
 */
export function cachedLookupHost(git: LookupHost, opts: LookupCacheOptions): LookupHost {
  const cache = createTtlLru<string, Outcome>({
    maxEntries: opts.maxEntries,
    ttlMs: IMMUTABLE_TTL_MS,
    now: opts.now,
  });
  const shared = singleFlight<unknown>();

  async function read<T>(
    key: string,
    fetch: () => Promise<T>,
    ttlOf: (value: T) => number,
  ): Promise<T> {
    const known = cache.get(key);
    // safe because only `read` with this key stored it, from a `T`
    if (known?.ok) return known.value as T;
    if (known) throw known.error;
    return (await shared(key, async () => {
      try {
        const value = await fetch();
        cache.set(key, { ok: true, value }, ttlOf(value));
        return value;
      } catch (error) {
        if (isNotFound(error)) cache.set(key, { ok: false, error }, opts.negativeTtlMs);
        throw error;
      }
    })) as T;
  }

  return {
    commit: (sha) =>
      read(
        `commit ${sha}`,
        () => git.commit(sha),
        () => IMMUTABLE_TTL_MS,
      ),
    compare: (base, head, o) => {
      const key = `compare ${base}...${head} ${o?.maxCommits ?? "default"}`;
      const immutable = FULL_SHA.test(base) && FULL_SHA.test(head);
      return read(
        key,
        () => git.compare(base, head, o),
        () => (immutable ? IMMUTABLE_TTL_MS : 0),
      );
    },
    // An existing PR is cached in the database (cached-pulls.ts); here only "no such PR".
    pull: (number) =>
      read(
        `pull ${number}`,
        () => git.pull(number),
        (pull) => (pull === null ? opts.negativeTtlMs : 0),
      ),
    pullsForCommit: (sha) =>
      read(
        `pulls ${sha}`,
        () => git.pullsForCommit(sha),
        () => 0,
      ),
    branchMerges: (from, into) =>
      read(
        `merges ${from} -> ${into}`,
        () => git.branchMerges(from, into),
        () => BRANCH_MERGES_TTL_MS,
      ),
    // Read for the merges pushed into the branch: as slow-moving as the PR history above.
    branchCommits: (branch) =>
      read(
        `history ${branch}`,
        () => git.branchCommits(branch),
        () => BRANCH_MERGES_TTL_MS,
      ),
    branchHead: (branch) =>
      read(
        `branch ${branch}`,
        () => git.branchHead(branch),
        () => BRANCH_HEAD_TTL_MS,
      ),
  };
}
