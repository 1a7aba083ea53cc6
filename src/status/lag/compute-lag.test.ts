import { describe, expect, it } from "vitest";
import {
  behindAt,
  computeLag,
  computeRevisionAge,
  type LagCommit,
  type LagRelease,
  MAX_SERIES_POINTS,
  unlandedBy,
  weekStart,
} from "./compute-lag.ts";

const H = 3_600_000;
const T0 = Date.parse("2026-03-02T00:00:00Z"); // a Monday
const at = (hours: number) => new Date(T0 + hours * H);

function release(name: string, committedH: number, publishedH: number, commits = 1): LagRelease {
  return {
    name,
    revision: name.padEnd(40, "0"),
    revisionCommittedAtMs: at(committedH).getTime(),
    publishedAtMs: at(publishedH).getTime(),
    commits,
  };
}

function commit(sha: string, seenH: number, landedH: number | null, committedH = seenH): LagCommit {
  return {
    sha,
    committedAtMs: at(committedH).getTime(),
    firstSeenAtMs: at(seenH).getTime(),
    landedAtMs: landedH === null ? null : at(landedH).getTime(),
  };
}

const history = (releases: LagRelease[], commits: LagCommit[]) => ({
  channel: "nixos-unstable",
  sourceBranch: "master",
  releases,
  commits,
});

describe("computeLag", () => {
  it("draws revision and update age as a sawtooth: rising, dropping at each advance", () => {
    // Window: hours 24…72. r1 (committed h0) served since h2; r2 (committed h30) published at h40.
    const lag = computeLag(history([release("r1", 0, 2), release("r2", 30, 40)], []), at(72), 2);
    expect(lag.from).toBe(at(24).toISOString());
    expect(lag.revisionAge).toEqual([
      { at: at(24).toISOString(), seconds: 24 * 3600 },
      { at: at(40).toISOString(), seconds: 40 * 3600 },
      { at: at(40).toISOString(), seconds: 10 * 3600 },
      { at: at(72).toISOString(), seconds: 42 * 3600 },
    ]);
    expect(lag.updateAge.map((p) => p.seconds / 3600)).toEqual([22, 38, 0, 32]);
    expect(lag.current).toMatchObject({
      revisionAgeSeconds: 42 * 3600,
      updateAgeSeconds: 32 * 3600,
    });
    expect(lag.advances).toEqual([
      { at: at(40).toISOString(), release: "r2", revision: "r2".padEnd(40, "0"), commits: 1 },
    ]);
  });

  it("has no age and nothing behind for a channel with no release and no commits", () => {
    const lag = computeLag(history([], []), at(10), 1);
    expect(lag.current).toEqual({
      revisionAgeSeconds: null,
      updateAgeSeconds: null,
      behind: { commits: 0, oldest: null },
    });
    expect(lag.revisionAge).toEqual([]);
    expect(lag.behind.map((p) => p.commits)).toEqual([0, 0]);
  });

  it("counts commits behind from when master has them until a release brings them", () => {
    const commits = [
      commit("old", 1, null, 0), // missing since before the window
      commit("a", 30, 40),
      commit("b", 30, 40),
      commit("c", 50, null, 49),
      commit("early", 2, 20), // landed before the window: never counted in it
      commit("backported", 35, 30), // landed before master had it: never behind
    ];
    const lag = computeLag(history([release("r2", 30, 40)], commits), at(72), 2);
    expect(lag.behind).toEqual([
      { at: at(24).toISOString(), commits: 1 },
      { at: at(30).toISOString(), commits: 3 },
      { at: at(40).toISOString(), commits: 1 },
      { at: at(50).toISOString(), commits: 2 },
      { at: at(72).toISOString(), commits: 2 },
    ]);
    expect(lag.current.behind).toEqual({
      commits: 2,
      oldest: {
        sha: "old",
        committedAt: at(0).toISOString(),
        firstSeenAt: at(1).toISOString(),
        ageSeconds: 72 * 3600,
      },
    });
  });

  it("reports commit latency per UTC week with nearest-rank p50/p90 and the max", () => {
    // Week 1 (landed h40): latencies 1…10 hours; week 2 (landed h180): 5 hours.
    const week1 = Array.from({ length: 10 }, (_, i) => commit(`w1-${i}`, 40 - (i + 1), 40));
    const lag = computeLag(history([], [...week1, commit("w2", 175, 180)]), at(200), 9);
    expect(lag.latency).toEqual([
      {
        weekStart: at(0).toISOString(),
        commits: 10,
        p50Seconds: 5 * 3600,
        p90Seconds: 9 * 3600,
        maxSeconds: 10 * 3600,
      },
      {
        weekStart: at(168).toISOString(),
        commits: 1,
        p50Seconds: 5 * 3600,
        p90Seconds: 5 * 3600,
        maxSeconds: 5 * 3600,
      },
    ]);
  });

  it("folds long series to at most MAX_SERIES_POINTS, keeping peaks and the last value", () => {
    // A commit seen every minute, each landing 30 minutes later: ~30 behind, 2 changes a minute.
    const commits = Array.from({ length: 3000 }, (_, i) => commit(`c${i}`, i / 60, (i + 30) / 60));
    const lag = computeLag(history([], commits), at(60), 3);
    expect(lag.behind.length).toBeLessThanOrEqual(MAX_SERIES_POINTS + 1);
    expect(Math.max(...lag.behind.map((p) => p.commits))).toBe(30);
    expect(lag.behind.at(-1)).toEqual({ at: at(60).toISOString(), commits: 0 });
  });

  it("answers what the overview shows from the commits unlanded at load, as from all of them", () => {
    // 400 commits over 10 days, each seen 0-5 h after its commit time, a third landing 1-40 h
    // later, some before master had them, ties in commit time (the oldest is the first listed).
    const commits = Array.from({ length: 400 }, (_, i) => {
      const seen = (i * 7) % 240;
      const landed = i % 3 === 0 ? seen + ((i * 13) % 40) - 2 : null;
      return commit(`c${i}`, seen, landed, seen - (i % 5));
    });
    const releases = [release("r1", 0, 3), release("r2", 50, 60), release("r3", 120, 130)];
    const h = history(releases, commits);
    let compared = 0;
    for (const loadedH of [0, 24, 100, 239]) {
      const unlanded = unlandedBy(commits, at(loadedH));
      expect(unlanded.length).toBeLessThan(commits.length);
      for (const laterH of [0, 0.5, 7, 30, 200]) {
        const now = at(loadedH + laterH);
        const whole = computeLag(h, now, 2);
        expect(behindAt(unlanded, now)).toEqual(whole.current.behind);
        expect(computeRevisionAge(h, now, 2)).toEqual(whole.revisionAge);
        if (whole.current.behind.commits > 0) compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it("puts every instant in the week that starts on its Monday", () => {
    expect(new Date(weekStart(Date.parse("2026-03-08T23:59:59Z"))).toISOString()).toBe(
      "2026-03-02T00:00:00.000Z",
    );
    expect(new Date(weekStart(Date.parse("2026-03-09T00:00:00Z"))).toISOString()).toBe(
      "2026-03-09T00:00:00.000Z",
    );
  });
});
