import type { UpstreamCache } from "../../db/upstream-cache.ts";
import { guardEachRead, type LookupHost } from "../../git/budgeted-lookup-host.ts";

/** Where the follow pass keeps its progress, for whichever process runs it next. */
export const FOLLOW_STATE_KEY = "subscriptions:followed";

/**
 * What the follow pass remembers between runs: when it last ran (every runtime calls it, so it
 * runs at most once per interval), the subscription it stopped after when its reads ran out,
 * and per subscription and channel the newest release already compared against its change.
 */
export interface FollowState {
  ranAt: string;
  /** The last subscription id the previous pass reached; 0: it reached them all. */
  after: number;
  /** subscription id → channel → release id: a release newer than this has to be compared. */
  checked: Record<string, Record<string, number>>;
}

const empty = (): FollowState => ({ ranAt: new Date(0).toISOString(), after: 0, checked: {} });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The stored state; anything unreadable counts as none (every change is compared again once). */
export async function readFollowState(cache: UpstreamCache): Promise<FollowState> {
  const body = (await cache.get(FOLLOW_STATE_KEY))?.body;
  if (!isRecord(body) || typeof body.ranAt !== "string" || typeof body.after !== "number") {
    return empty();
  }
  const checked: FollowState["checked"] = {};
  for (const [id, channels] of Object.entries(isRecord(body.checked) ? body.checked : {})) {
    if (!isRecord(channels)) continue;
    const known: Record<string, number> = {};
    for (const [channel, release] of Object.entries(channels)) {
      if (typeof release === "number") known[channel] = release;
    }
    checked[id] = known;
  }
  return { ranAt: body.ranAt, after: body.after, checked };
}

export async function writeFollowState(
  cache: UpstreamCache,
  state: FollowState,
  now: Date,
): Promise<void> {
  await cache.put(FOLLOW_STATE_KEY, { etag: null, body: state, storedAt: now });
}

/** Thrown once a pass has made its share of GitHub reads; the next pass resumes after it. */
export class PassSpentError extends Error {
  constructor(max: number) {
    super(`the follow pass made its ${max} GitHub reads`);
  }
}

/**
 * The lookups' host, allowed `max` reads for one pass: the pass leaves the rest of the lookups'
 * budget to people's lookups. Reads the caches answer count too (a bound, not a meter).
 */
export function readsCapped(git: LookupHost, max: number): LookupHost {
  let used = 0;
  return guardEachRead(git, (read) => {
    if (used >= max) return Promise.reject(new PassSpentError(max));
    used++;
    return read();
  });
}
