import { createHash } from "node:crypto";
import { and, eq, gte, isNull, lte, or, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../../test/support/test-db.ts";
import defaultChannels from "../../config/channels.default.json" with { type: "json" };
import { parseChannelsFile } from "../../config/config.ts";
import type { Db, DbHandle } from "../../db/client.ts";
import { commits, releaseCommits, releases } from "../../db/schema.ts";
import { scaleHistory, YEAR } from "../../sim/year-history/history-shape.ts";
import { padChannels, seedHistory } from "../../sim/year-history/seed-history.ts";
import { behindAt, computeLag, type LagHistory, unlandedBy } from "./compute-lag.ts";
import { dailyPeaks } from "./daily-peaks.ts";
import { createLagReadModel, lagWindowDays } from "./lag-read-model.ts";
import { firstSeenAt, loadLagWindow } from "./load-lag-history.ts";
import { refreshLagWindow } from "./refresh-lag-history.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const specs = padChannels(parseChannelsFile(defaultChannels, "bundled"), 10);
const end = new Date("2026-11-01T00:00:00Z");
const checked = specs.filter((s) =>
  ["nixos-unstable", "nixpkgs-unstable", "nixos-25.11-small"].includes(s.name),
);

/**
 * The loader before windows were bounded: every source commit, its landing aggregated over all of
 * the channel's landings. Minus the commits no landing recorded that were seen before the channel's
 * first release was (a first release records only its own revision): they are every release's
 * ancestors, yet the old loader counted them behind for ever. A window that starts before the
 * first release still counts them, as before.
 */
async function unboundedHistory(
  db: Db,
  channel: { name: string; sourceBranch: string },
  now: Date,
  days: number,
): Promise<LagHistory> {
  const from = new Date(now.getTime() - days * DAY);
  const published = and(eq(releases.channel, channel.name), eq(releases.state, "published"));
  const landings = db
    .select({ sha: releaseCommits.sha, landedAt: sql<Date>`min(${releases.publishedAt})`.as("l") })
    .from(releaseCommits)
    .innerJoin(releases, eq(releases.id, releaseCommits.releaseId))
    .where(published)
    .groupBy(releaseCommits.sha)
    .as("landings");
  const rows = await db
    .select({
      sha: commits.sha,
      committedAt: commits.committedAt,
      firstSeenAt: commits.firstSeenAt,
      landedAt: landings.landedAt,
    })
    .from(commits)
    .leftJoin(landings, eq(landings.sha, commits.sha))
    .where(
      and(
        eq(commits.firstSeenBranch, channel.sourceBranch),
        lte(commits.firstSeenAt, now),
        or(
          gte(commits.firstSeenAt, from),
          isNull(landings.landedAt),
          sql`${landings.landedAt} > ${from.toISOString()}::timestamptz`,
        ),
      ),
    );
  const [first] = await db
    .select({ revision: releases.revision })
    .from(releases)
    .where(published)
    .orderBy(releases.publishedAt)
    .limit(1);
  const firstSeen = first ? await firstSeenAt(db, channel, first.revision) : null;
  const bounded = await loadLagWindow(db, channel, now, days);
  const unrecorded = (c: { landedAt: unknown; firstSeenAt: Date }) =>
    bounded.start !== null &&
    c.landedAt === null &&
    firstSeen !== null &&
    c.firstSeenAt < firstSeen;
  return {
    ...bounded.history,
    commits: rows
      .filter((r) => !unrecorded(r))
      .map((r) => ({
        sha: r.sha,
        committedAtMs: r.committedAt.getTime(),
        firstSeenAtMs: r.firstSeenAt.getTime(),
        landedAtMs: r.landedAt === null ? null : new Date(r.landedAt).getTime(),
      })),
  };
}

describe("lag history over a year-shaped history", () => {
  let handle: DbHandle;

  beforeAll(async () => {
    handle = await createTestDb();
    await seedHistory(handle.db, { channels: specs, shape: scaleHistory(YEAR, 0.03), end });
  }, 120_000);
  afterAll(() => handle?.close());

  it("loads from the revision served at the window's start and answers as the unbounded loader", async () => {
    let compared = 0;
    for (const spec of checked) {
      for (const days of [3, 20, 30, 90, 365]) {
        for (const ago of [0, 40, 200]) {
          const now = new Date(end.getTime() - ago * DAY - 5 * HOUR);
          const bounded = await loadLagWindow(handle.db, spec, now, days);
          const unbounded = await unboundedHistory(handle.db, spec, now, days);
          expect(computeLag(bounded.history, now, days)).toEqual(computeLag(unbounded, now, days));
          // The read model answers `days` from the tier's window: it must answer the same.
          const tier = await loadLagWindow(handle.db, spec, now, lagWindowDays(days));
          expect(computeLag(tier.history, now, days)).toEqual(
            computeLag(bounded.history, now, days),
          );
          if (bounded.start) {
            expect(bounded.history.commits.length).toBeLessThanOrEqual(unbounded.commits.length);
          }
          compared++;
        }
      }
    }
    expect(compared).toBe(45);
  });

  it("refreshed step by step, a window holds what loading it whole at the end holds", async () => {
    for (const spec of checked) {
      const days = 30;
      let now = new Date(end.getTime() - 60 * DAY);
      let kept = await loadLagWindow(handle.db, spec, now, days);
      // Steps from minutes to days: releases and commits arrive, the window's start moves on.
      for (const step of [0.1, 3, 7, 30, 1, 90, 200, 500]) {
        now = new Date(now.getTime() + step * HOUR);
        const refreshed = await refreshLagWindow(handle.db, spec, kept, now, days);
        if (!refreshed) throw new Error("the window's start moved back");
        kept = refreshed;
        const whole = await loadLagWindow(handle.db, spec, now, days);
        expect(computeLag(kept.history, now, days)).toEqual(computeLag(whole.history, now, days));
        expect(new Set(kept.history.commits.map((c) => c.sha))).toEqual(
          new Set(whole.history.commits.map((c) => c.sha)),
        );
      }
    }
  });

  it("answers the overview from the commits unlanded at each load, as from the whole window", async () => {
    let compared = 0;
    for (const spec of checked) {
      let now = new Date(end.getTime() - 60 * DAY);
      let kept = await loadLagWindow(handle.db, spec, now, 30);
      for (const step of [3, 30, 200, 0]) {
        const unlanded = unlandedBy(kept.history.commits, kept.to);
        // Reads between two refreshes: the clock runs on, the window stays as loaded.
        for (const laterH of [0, 0.5, 20]) {
          const at = new Date(kept.to.getTime() + laterH * HOUR);
          const whole = computeLag(kept.history, at, 30).current.behind;
          expect(behindAt(unlanded, at)).toEqual(whole);
          if (whole.commits > 0) compared++;
        }
        now = new Date(now.getTime() + step * HOUR);
        const refreshed = await refreshLagWindow(handle.db, spec, kept, now, 30);
        if (!refreshed) throw new Error("the window's start moved back");
        kept = refreshed;
      }
    }
    expect(compared).toBeGreaterThan(12);
  });

  it("reads the overview as the channel's whole lag tells it, before and after a refresh", async () => {
    const spec = checked[0];
    if (!spec) throw new Error("no channel");
    let nowMs = end.getTime() - 20 * DAY;
    const model = createLagReadModel({
      db: handle.db,
      clock: { now: () => new Date(nowMs) },
      maxAgeMs: DAY,
    });
    for (const stepH of [0, 2, 30, 1]) {
      nowMs += stepH * HOUR;
      // Together, so both read the same window (one past its age starts a refresh).
      const [overview, whole] = await Promise.all([model.overview(spec, 30), model.lag(spec, 30)]);
      expect(overview).toEqual({
        behind: whole.current.behind,
        ageByDay: dailyPeaks(whole.revisionAge, new Date(nowMs), 30),
      });
    }
  });

  it("lands a missing commit when a new release brings it, on the next refresh", async () => {
    const spec = checked[0];
    if (!spec) throw new Error("no channel");
    const now = new Date(end.getTime() + 5 * HOUR);
    const kept = await loadLagWindow(handle.db, spec, now, 30);
    const missing = kept.history.commits
      .filter((c) => c.landedAtMs === null)
      .sort((a, b) => a.firstSeenAtMs - b.firstSeenAtMs)[0];
    if (!missing) throw new Error("expected a missing commit");
    const publishedAt = new Date(now.getTime() + HOUR);
    const [release] = await handle.db
      .insert(releases)
      .values({
        channel: spec.name,
        name: `${spec.name}-later`,
        revision: missing.sha,
        evalId: 1,
        buildId: 1,
        state: "published",
        createdAt: publishedAt,
        publishedAt,
      })
      .returning({ id: releases.id });
    if (!release) throw new Error("no release");
    await handle.db.insert(releaseCommits).values({ releaseId: release.id, sha: missing.sha });
    const later = new Date(publishedAt.getTime() + HOUR);
    const refreshed = await refreshLagWindow(handle.db, spec, kept, later, 30);
    const seen = refreshed?.history.commits.find((c) => c.sha === missing.sha);
    expect(seen?.landedAtMs).toBe(publishedAt.getTime());
    expect(refreshed?.history.releases.at(-1)).toMatchObject({
      name: `${spec.name}-later`,
      commits: 1,
    });
    const whole = await loadLagWindow(handle.db, spec, later, 30);
    expect(computeLag(refreshed?.history ?? whole.history, later, 30)).toEqual(
      computeLag(whole.history, later, 30),
    );
  });

  it("answers a channel's shorter reads from its longer window once loaded, as their own windows do", async () => {
    const spec = checked[1];
    if (!spec) throw new Error("no channel");
    const clock = { now: () => new Date(end.getTime() - 10 * DAY) };
    const model = () => createLagReadModel({ db: handle.db, clock, maxAgeMs: DAY });
    const shared = model();
    await shared.overview(spec, 30);
    expect(shared.heldWindows()).toEqual([`${spec.name} 30`]);
    await shared.lag(spec, 90);
    expect(shared.heldWindows()).toEqual([`${spec.name} 90`]);
    // Each compared with a model of its own, which holds only the read's own window.
    for (const days of [3, 30, 90]) {
      expect(await shared.lag(spec, days)).toEqual(await model().lag(spec, days));
    }
    expect(await shared.overview(spec, 30)).toEqual(await model().overview(spec, 30));
    expect(shared.heldWindows()).toEqual([`${spec.name} 90`]);
  });

  /** A read model over `spec` at a movable clock, and a commit pushed a minute after its first read. */
  async function modelWithPushedCommit(
    spec: (typeof checked)[number],
    at: number,
    maxAgeMs: number,
  ) {
    let nowMs = at;
    const model = createLagReadModel({
      db: handle.db,
      clock: { now: () => new Date(nowMs) },
      maxAgeMs,
    });
    const behind = async () => (await model.lag(spec, 30)).current.behind.commits;
    const before = await behind();
    const pushedAt = new Date(nowMs + 60_000);
    await handle.db.insert(commits).values({
      sha: createHash("sha1").update(`${spec.name} ${at}`).digest("hex"),
      committedAt: pushedAt,
      firstSeenAt: pushedAt,
      firstSeenBranch: spec.sourceBranch,
    });
    nowMs += 120_000;
    /** Reads until the background refresh a read starts has shown a change (2 s at most). */
    const behindOnceRefreshed = async () => {
      let seen = await behind();
      for (let i = 0; i < 100 && seen === before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await behind();
      }
      return seen;
    };
    return { model, before, behind, behindOnceRefreshed };
  }

  it("serves a commit pushed after the first read once the read model refreshes", async () => {
    const spec = checked[2];
    if (!spec) throw new Error("no channel");
    const pushed = await modelWithPushedCommit(spec, end.getTime() + 10 * HOUR, 60_000);
    expect(await pushed.behindOnceRefreshed()).toBe(pushed.before + 1);
  });

  it("refreshes a window when a change is announced, and not before its bound otherwise", async () => {
    const spec = checked[1];
    if (!spec) throw new Error("no channel");
    const pushed = await modelWithPushedCommit(spec, end.getTime() + 20 * HOUR, 10 * 60_000);
    // Unannounced and within the bound: reads keep the loaded history.
    for (let i = 0; i < 10; i++) {
      expect(await pushed.behind()).toBe(pushed.before);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    pushed.model.sourcesChanged();
    expect(await pushed.behindOnceRefreshed()).toBe(pushed.before + 1);
  });
});
