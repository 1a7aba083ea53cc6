import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/client.ts";
import { type Release, type SubscriptionRow, subscriptions } from "../../db/schema.ts";
import type { UpstreamCache } from "../../db/upstream-cache.ts";
import { errorMessage, RetryLaterError } from "../../errors.ts";
import type { LookupHost } from "../../git/budgeted-lookup-host.ts";
import { cachedPull } from "../../git/cached-pulls.ts";
import type { LookupWrites } from "../../git/lookup-writes.ts";
import type { Logger } from "../../log.ts";
import { containment, firstContaining } from "../../status/landings/channel-landing.ts";
import { landedRelease, publishedReleases } from "../../status/landings/landing-queries.ts";
import { currentReleaseOf } from "../../status/read-model/channel-status.ts";
import {
  type FollowState,
  PassSpentError,
  readFollowState,
  readsCapped,
  writeFollowState,
} from "./follow-state.ts";
import { noteLanded } from "./record-notices.ts";

export interface FollowDeps {
  db: Db;
  /** Lookups' own GitHub budget: following subscriptions never spends the tick's. */
  lookups: { git: LookupHost };
  lookupWrites: LookupWrites;
  /** Where the pass keeps its progress (the database's, shared by every process). */
  upstreamCache: UpstreamCache;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  /** Announces channels whose subscribers got a notice (their private feeds change). */
  changes?: { channelChanged(channel: string): Promise<void> };
}

/** The pass runs at most this often, whichever runtime calls it (the schedulers every 5 min). */
export const FOLLOW_EVERY_MS = 4 * 60_000;
/** GitHub reads one pass may make (PRs re-read, ancestry compares); the rest stays for lookups. */
export const READS_PER_PASS = 60;

type Pass = {
  deps: FollowDeps;
  git: LookupHost;
  now: Date;
  state: FollowState;
  current: Map<string, Promise<Release | null>>;
  contains: ReturnType<typeof containment>;
  told: Set<string>;
};

/** The change a subscription waits for: a commit's sha, a merged PR's merge commit; else null. */
async function changeOf(pass: Pass, sub: SubscriptionRow): Promise<string | null> {
  if (sub.kind === "commit") return sub.subject;
  const { db, lookupWrites } = pass.deps;
  const pull = await cachedPull({ db, git: pass.git, lookupWrites }, Number(sub.subject), pass.now);
  return pull?.mergedAt ? pull.mergeCommitSha : null;
}

/**
 * Where the change is in `channel` without a recorded landing (a release brought more commits
 * than were recorded, or the change was there before recording began): through GitHub's
 * compare against the channel's current release, asked once per release the channel publishes.
 */
async function unrecordedLanding(
  pass: Pass,
  sub: SubscriptionRow,
  channel: string,
  sha: string,
): Promise<string | null> {
  let current = pass.current.get(channel);
  if (!current) {
    current = currentReleaseOf(pass.deps.db, channel);
    pass.current.set(channel, current);
  }
  const release = await current;
  const checked = pass.state.checked[String(sub.id)] ?? {};
  pass.state.checked[String(sub.id)] = checked;
  if (!release || (checked[channel] ?? 0) >= release.id) return null;
  const { contained } = await pass.contains(sha, release.revision);
  let name: string | null = null;
  if (contained) {
    const ctx = { ...pass.deps, git: pass.git, now: pass.now, contains: pass.contains };
    const first = await firstContaining(ctx, channel, sha);
    // Not found past the first release: it was in the channel from floodgate's first release on.
    name = first?.name ?? (await publishedReleases(pass.deps.db, channel))[0]?.name ?? null;
  }
  checked[channel] = release.id;
  return name;
}

/** Tells `sub` of every channel its change reached that it was not told of yet. */
async function follow(pass: Pass, id: number): Promise<number> {
  const [seen] = await pass.deps.db.select().from(subscriptions).where(eq(subscriptions.id, id));
  const sha = seen && !seen.endedAt ? await changeOf(pass, seen) : null;
  if (!seen || !sha) return 0;
  const found = new Map<string, string>();
  for (const channel of seen.channels) {
    if (seen.reached.includes(channel)) continue;
    const recorded = await landedRelease(pass.deps.db, channel, sha);
    const name = recorded?.name ?? (await unrecordedLanding(pass, seen, channel, sha));
    if (name) found.set(channel, name);
  }
  if (found.size === 0) return 0;
  return pass.deps.db.transaction(async (tx) => {
    const [locked] = await tx
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, id))
      .for("update");
    let sub = locked?.endedAt ? null : (locked ?? null);
    let told = 0;
    for (const [channel, release] of found) {
      if (!sub) break;
      const at = { channel, release, publicUrl: pass.deps.publicUrl, now: pass.now };
      const next = await noteLanded(tx, sub, at);
      if (next) {
        sub = next;
        told++;
        pass.told.add(channel);
      }
    }
    return told;
  });
}

/** Live PR and commit subscriptions, oldest first. */
async function liveIds(db: Db): Promise<number[]> {
  const rows = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(and(inArray(subscriptions.kind, ["pr", "commit"]), isNull(subscriptions.endedAt)))
    .orderBy(asc(subscriptions.id));
  return rows.map((r) => r.id);
}

/** The ones after `after` first: a pass resumes where the last one stopped. */
const resumingAfter = (ids: number[], after: number) => [
  ...ids.filter((id) => id > after),
  ...ids.filter((id) => id <= after),
];

/**
 * Follows what live subscriptions wait for, within `READS_PER_PASS` of the lookups' GitHub
 * budget: a PR merged after it was subscribed to is learned here, and a channel its change
 * reached is told at once, recorded landing or not (the tick only matches recorded ones).
 * Returns the notices written.
 */
export async function followSubscriptions(deps: FollowDeps): Promise<number> {
  const now = deps.clock.now();
  const ids = await liveIds(deps.db);
  if (ids.length === 0) return 0;
  const state = await readFollowState(deps.upstreamCache);
  // Claimed before the work: the Worker's queued ticks start together, and only the first to
  // get here should spend the pass's reads (a near tie runs it twice; notices stay single).
  await writeFollowState(deps.upstreamCache, { ...state, ranAt: now.toISOString() }, now);
  const git = readsCapped(deps.lookups.git, READS_PER_PASS);
  const pass: Pass = {
    deps,
    git,
    now,
    state,
    current: new Map(),
    contains: containment(git),
    told: new Set(),
  };
  let told = 0;
  let after = 0;
  for (const id of resumingAfter(ids, state.after)) {
    try {
      told += await follow(pass, id);
    } catch (err) {
      if (err instanceof PassSpentError || err instanceof RetryLaterError) {
        after = id - 1;
        break;
      }
      deps.logger.warn("subscription not followed", {
        step: "subscriptions",
        subscription: id,
        error: errorMessage(err),
      });
    }
  }
  const live = new Set(ids.map(String));
  const checked = Object.fromEntries(Object.entries(state.checked).filter(([id]) => live.has(id)));
  await writeFollowState(deps.upstreamCache, { ranAt: now.toISOString(), after, checked }, now);
  await deps.lookupWrites.settled();
  for (const channel of pass.told) await deps.changes?.channelChanged(channel);
  return told;
}

/**
 * `followSubscriptions` when the last pass (by any process) is `FOLLOW_EVERY_MS` old: the tick
 * (`floodgate tick`, the Worker's cron and queue), and serve's scheduler all call this. Never throws.
 */
export async function followSubscriptionsWhenDue(deps: FollowDeps): Promise<number> {
  try {
    const state = await readFollowState(deps.upstreamCache);
    const now = deps.clock.now();
    if (now.getTime() - Date.parse(state.ranAt) < FOLLOW_EVERY_MS) return 0;
    return await followSubscriptions(deps);
  } catch (err) {
    deps.logger.warn("subscriptions not followed", {
      step: "subscriptions",
      error: errorMessage(err),
    });
    return 0;
  }
}
