import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../../test/support/test-db.ts";
import defaultChannels from "../../config/channels.default.json" with { type: "json" };
import { parseChannelsFile } from "../../config/config.ts";
import type { DbHandle } from "../../db/client.ts";
import {
  aggregateConstituents,
  channels,
  commits,
  hydraBuilds,
  releases,
} from "../../db/schema.ts";
import { scaleHistory, seededRandom, YEAR } from "./history-shape.ts";
import { planHistory } from "./plan-history.ts";
import { padChannels, seedHistory } from "./seed-history.ts";

const specs = padChannels(parseChannelsFile(defaultChannels, "bundled"), 10);
const end = new Date("2026-11-01T00:00:00Z");
const shape = scaleHistory(YEAR, 0.02);

describe("planHistory", () => {
  it("gives the same history for the same seed, and another for another seed", () => {
    const a = planHistory(specs, shape, end, seededRandom(7));
    const b = planHistory(specs, shape, end, seededRandom(7));
    const c = planHistory(specs, shape, end, seededRandom(8));
    expect(a.releases.map((r) => r.name)).toEqual(b.releases.map((r) => r.name));
    expect(a.commits[0]?.sha).toBe(b.commits[0]?.sha);
    expect(a.commits[0]?.sha).not.toBe(c.commits[0]?.sha);
  });

  it("advances each channel fast-forward on its source branch, and lands each commit once", () => {
    const plan = planHistory(specs, shape, end, seededRandom(1));
    expect(plan.commits).toHaveLength(shape.commits);
    expect(plan.releases).toHaveLength(specs.length * shape.releasesPerChannel);
    const branchOf = new Map(plan.commits.map((c) => [c.sha, c.firstSeenBranch]));
    for (const spec of specs) {
      const mine = plan.releases.filter((r) => r.channel === spec.name);
      const times = mine.map((r) => r.publishedAt?.getTime() ?? 0);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect(mine.every((r) => branchOf.get(r.revision) === spec.sourceBranch)).toBe(true);
      const ids = new Set(mine.map((r) => r.id));
      const landed = plan.landings.filter((l) => ids.has(l.releaseId)).map((l) => l.sha);
      expect(new Set(landed).size).toBe(landed.length);
      expect(landed).toEqual(expect.arrayContaining(mine.map((r) => r.revision)));
    }
    // One eval building per channel, with its gate unfinished.
    expect(plan.gates.filter((g) => !g.finished)).toHaveLength(specs.length);
    expect(plan.constituentEvals).toHaveLength(specs.length * shape.constituentEvalsPerChannel);
  });
});

describe("seedHistory", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it("writes the plan, constituents expanded by the server, and refuses a second run", async () => {
    const tiny = { ...shape, commits: 600, releasesPerChannel: 4, constituentEvalsPerChannel: 2 };
    const summary = await seedHistory(handle.db, { channels: specs, shape: tiny, end });
    const [builds] = await handle.db.select({ n: count() }).from(hydraBuilds);
    const [links] = await handle.db.select({ n: count() }).from(aggregateConstituents);
    expect(builds?.n).toBe(summary.gates + summary.constituents);
    expect(links?.n).toBe(summary.constituents);
    expect(summary.constituents).toBe(specs.length * 2 * tiny.constituents);
    const [served] = await handle.db
      .select({ name: releases.name })
      .from(channels)
      .innerJoin(releases, eq(releases.id, channels.currentReleaseId))
      .where(eq(channels.name, "nixos-unstable"));
    expect(served?.name).toMatch(/^nixos-26\.11pre\d+\.[0-9a-f]{12}$/);
    await expect(seedHistory(handle.db, { channels: specs, shape: tiny, end })).rejects.toThrow(
      "already has releases or commits",
    );
    const [known] = await handle.db.select({ n: count() }).from(commits);
    expect(known?.n).toBe(tiny.commits);
  });
});
