import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NewRelease, releases } from "../../src/db/schema.ts";
import type { ReleasePage } from "../../src/status/release-list/release-list-schema.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const START = Date.UTC(2026, 9, 1);
const STATES = ["published", "published", "abandoned", "failed"] as const;

// Three releases share each created-at instant, so pages must break ties by id.
const row = (channel: string, i: number): NewRelease => ({
  channel,
  name: `${channel}-26.11pre${i}.${String(i).padStart(12, "0")}`,
  revision: String(i).padStart(40, "0"),
  evalId: 1000 + i,
  buildId: 5000 + i,
  state: STATES[i % STATES.length],
  createdAt: new Date(START + Math.floor(i / 3) * 3_600_000),
  publishedAt: i % 4 < 2 ? new Date(START + Math.floor(i / 3) * 3_600_000 + 60_000) : null,
});

describe("GET /api/v1/channels/{channel}/releases", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.deps.db
      .insert(releases)
      .values(Array.from({ length: 45 }, (_, i) => row("nixos-unstable", i)));
    await h.deps.db.insert(releases).values([row("nixpkgs-unstable", 0)]);
  });
  afterAll(() => h.close());

  const get = async (path: string) => {
    const res = await h.app.request(path);
    return { status: res.status, body: (await res.json()) as ReleasePage };
  };

  it("pages through every release, newest first, without repeats, even while new ones arrive", async () => {
    const seen: string[] = [];
    let next: string | null = "/api/v1/channels/nixos-unstable/releases?limit=7";
    let pages = 0;
    while (next) {
      const { status, body } = await get(next);
      expect(status).toBe(200);
      expect(body.releases.length).toBeLessThanOrEqual(7);
      seen.push(...body.releases.map((r) => r.name));
      next = body.next;
      if (++pages === 2) {
        // A release published meanwhile belongs on the first page, not in the rest of the walk.
        await h.deps.db.insert(releases).values(row("nixos-unstable", 99));
      }
    }
    expect(pages).toBe(7);
    const expected = Array.from({ length: 45 }, (_, i) => row("nixos-unstable", 44 - i).name);
    expect(seen).toEqual(expected);
    const first = await get("/api/v1/channels/nixos-unstable/releases");
    expect(first.body.releases).toHaveLength(20);
    expect(first.body.releases[0]?.name).toBe(row("nixos-unstable", 99).name);
  });

  it("says each release's state and links only published ones", async () => {
    const { body } = await get("/api/v1/channels/nixpkgs-unstable/releases");
    expect(body).toEqual({
      channel: "nixpkgs-unstable",
      next: null,
      releases: [
        expect.objectContaining({
          name: row("nixpkgs-unstable", 0).name,
          state: "published",
          url: `http://floodgate.test/releases/nixpkgs/${row("nixpkgs-unstable", 0).name}`,
        }),
      ],
    });
    const failed = (
      await get("/api/v1/channels/nixos-unstable/releases?limit=100")
    ).body.releases.find((r) => r.state === "failed");
    expect(failed?.url).toBeNull();
  });

  it.each([
    ["limit=0", 400],
    ["limit=101", 400],
    ["before=yesterday", 400],
    ["before=1-2-3", 400],
    // Past an int4 release id or year 9999 the query itself failed: a 500 (found by fuzzing).
    ["before=1-9999999999", 400],
    ["before=999999999999999-1", 400],
  ])("refuses ?%s", async (query, status) => {
    const res = await h.app.request(`/api/v1/channels/nixos-unstable/releases?${query}`);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });

  it("answers 404 for an unknown channel", async () => {
    expect((await h.app.request("/api/v1/channels/nixos-nope/releases")).status).toBe(404);
  });
});
