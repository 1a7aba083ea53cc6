import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useGitHubFixture } from "../../test/support/github-fixture.ts";
import { branchHeads, type Release, releaseCommits, releases } from "../db/schema.ts";
import { jsonLogger } from "../log.ts";
import { recordLandings } from "./record-landings.ts";

const fx = useGitHubFixture();
const logs: { msg: string; [k: string]: unknown }[] = [];

const now = new Date("2026-05-01T00:00:00Z");
const deps = () => ({
  db: fx.handle.db,
  git: fx.git,
  logger: jsonLogger((line) => logs.push(JSON.parse(line))),
});
let serial = 0;
async function publish(channel: string, revision: string): Promise<Release> {
  const [row] = await fx.handle.db
    .insert(releases)
    .values({
      channel,
      name: `${channel}-${++serial}`,
      revision,
      evalId: serial,
      buildId: serial,
      state: "published",
      createdAt: now,
      publishedAt: now,
    })
    .returning();
  if (!row) throw new Error("no release row");
  return row;
}
const landed = async (release: Release) =>
  (
    await fx.handle.db
      .select({ sha: releaseCommits.sha })
      .from(releaseCommits)
      .where(eq(releaseCommits.releaseId, release.id))
  )
    .map((r) => r.sha)
    .sort();

describe("recordLandings", () => {
  it("records what a release brought since the previous one, once", async () => {
    const base = fx.fake.model.commit("master", "base");
    const previous = await publish("landings-a", base);
    const brought = [fx.fake.model.commit("master", "x"), fx.fake.model.commit("master", "y")];
    const next = await publish("landings-a", brought[1] ?? "");
    const channel = { branch: "landings-a", previousReleaseId: previous.id };
    expect(await recordLandings(deps(), next, channel, now)).toBe(2);
    expect(await landed(next)).toEqual([...brought].sort());
    const compares = fx.fake.requests.filter((r) => r.path.includes("/compare/")).length;
    expect(await recordLandings(deps(), next, channel, now)).toBe(0);
    expect(fx.fake.requests.filter((r) => r.path.includes("/compare/")).length).toBe(compares);
  });

  it("measures a first release from the branch head seen before it", async () => {
    const before = fx.fake.model.commit("master", "channel was here");
    await fx.handle.db
      .insert(branchHeads)
      .values({ branch: "landings-b", sha: before, observedAt: now });
    const brought = [fx.fake.model.commit("master", "p"), fx.fake.model.commit("master", "q")];
    const first = await publish("landings-b", brought[1] ?? "");
    await recordLandings(deps(), first, { branch: "landings-b", previousReleaseId: null }, now);
    expect(await landed(first)).toEqual([...brought].sort());
  });

  it("records only the revision when nothing came before it", async () => {
    const sha = fx.fake.model.commit("master", "lonely");
    const first = await publish("landings-c", sha);
    await recordLandings(deps(), first, { branch: "landings-c", previousReleaseId: null }, now);
    expect(await landed(first)).toEqual([sha]);
  });

  it("caps a huge release at maxCommits, keeping its revision, and logs it", async () => {
    const base = fx.fake.model.commit("master", "before the flood");
    const previous = await publish("landings-d", base);
    const flood = Array.from({ length: 12 }, (_, i) => fx.fake.model.commit("master", `f${i}`));
    const next = await publish("landings-d", flood[11] ?? "");
    const channel = { branch: "landings-d", previousReleaseId: previous.id };
    await recordLandings(deps(), next, channel, now, { maxCommits: 5 });
    expect(await landed(next)).toEqual([...flood.slice(0, 5), flood[11] ?? ""].sort());
    expect(logs.find((l) => l.msg === "release brought more commits than recorded")).toMatchObject({
      aheadBy: 12,
      recorded: 5,
    });
  });
});
