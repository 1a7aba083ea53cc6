import { describe, expect, it } from "vitest";
import { runRace } from "../support/race-rounds.ts";

// PGlite is single-owner by design (one process holds the data dir's lock; the others go through
// its control endpoint), so processes racing on one database is a PostgreSQL-only setup.
const onPostgres = Boolean(process.env.FLOODGATE_TEST_DATABASE_URL);

describe("two tick processes and two serve replicas on one PostgreSQL database", () => {
  it.skipIf(!onPostgres)(
    "publish each release once, update each branch once, never overlap a channel's ticks (2 advances; npm run race for more)",
    { timeout: 180_000 },
    async () => {
      const report = await runRace({ advances: 2 });
      expect(report.published).toBe(2);
      expect(report.publishedRows).toBe(report.expectedReleases);
      expect(report.doubleAdvances).toEqual([]);
      expect(report.doublePatches).toEqual([]);
      expect(report.missingPatches).toEqual([]);
      expect(report.overlaps).toEqual([]);
      expect(report.disagreements).toEqual([]);
      // The race was real: more than one process held the channels' leases in turn.
      expect(Object.keys(report.spansByProcess).length).toBeGreaterThanOrEqual(2);
      expect(report.spans).toBeGreaterThan(report.expectedReleases);
    },
  );
});
