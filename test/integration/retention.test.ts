import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pinChannel, unpinChannel } from "../../src/channels/pin-channel.ts";
import { tickChannel } from "../../src/channels/tick-channel.ts";
import { auditLog, branchHeads, channels, events, releases } from "../../src/db/schema.ts";
import type { BlobStore } from "../../src/publish/blob-store.ts";
import { pruneChannel } from "../../src/publish/prune-releases.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { startS3Server, type TestS3Server } from "../support/s3-server.ts";

const CHANNEL = "nixos-unstable";
const pageOf = (name: string) => `/releases/nixos/unstable/${name}`;

/** Retention with files on disk and in an S3 bucket (s3rver on loopback): same rules, same safety. */
describe.each(["file", "s3"] as const)("retention with %s storage", (kind) => {
  let s3: TestS3Server | undefined;
  let h: Harness;
  const published: string[] = [];

  beforeAll(async () => {
    s3 = kind === "s3" ? await startS3Server() : undefined;
    h = await startHarness({ FLOODGATE_KEEP_RELEASES: "2", ...(s3?.env("retention") ?? {}) });
    h.seedBranches();
  });
  afterAll(async () => {
    await h?.close();
    await s3?.close();
  });

  const spec = () => h.channel(CHANNEL);
  const status = async (path: string) => {
    const res = await h.app.request(path);
    // Cancelled: a file's stream then closes the file, rather than the collector.
    await res.body?.cancel();
    return res.status;
  };
  const rows = () =>
    h.deps.db
      .select()
      .from(releases)
      .where(eq(releases.channel, CHANNEL))
      .orderBy(asc(releases.id));
  const idOf = async (name: string) => (await rows()).find((r) => r.name === name)?.id ?? -1;
  const servedName = async () => (await h.app.request(`/${CHANNEL}`)).headers.get("location");
  const prunedEvents = async () =>
    (await h.deps.db.select().from(events).where(eq(events.type, "release.pruned"))).map(
      (e) => e.data.release,
    );

  async function advance(message: string) {
    h.sim.github.model.commit("master", message);
    const made = await h.sim.evaluate(spec());
    h.sim.hydra.model.finishEval(made.evalId);
    expect(await tickChannel(h.deps, spec())).toMatchObject({ kind: "advanced" });
    published.push(made.releaseName);
    return made.releaseName;
  }

  it("deletes the oldest release after a publish beyond the newest 2, and logs it", async () => {
    const [r1, r2] = [await advance("a: 1 -> 2"), await advance("b: 1 -> 2")];
    expect(await prunedEvents()).toEqual([]);
    const r3 = await advance("c: 1 -> 2");

    expect(await status(pageOf(r1 ?? ""))).toBe(404);
    expect(await status(`${pageOf(r1 ?? "")}/nixexprs.tar.xz`)).toBe(404);
    expect(await h.deps.store.list(`nixos/unstable/${r1}`)).toEqual([]);
    for (const kept of [r2, r3])
      expect(await status(`${pageOf(kept ?? "")}/nixexprs.tar.xz`)).toBe(200);
    expect(await servedName()).toContain(r3);
    expect(await prunedEvents()).toEqual([r1]);
    const row = (await rows()).find((r) => r.name === r1);
    expect(row?.pruneStartedAt).toBeInstanceOf(Date);
    expect(row?.prunedAt).toBeInstanceOf(Date);
    expect(row?.state).toBe("published");
    const logged = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "release pruned");
    expect(logged).toMatchObject({ channel: CHANNEL, step: "retention", release: r1, keep: 2 });
    expect(logged.files).toBeGreaterThanOrEqual(6);
  });

  it("keeps a pinned release and the served one, whatever the count", async () => {
    const [, r2, r3] = published;
    await h.deps.db
      .update(channels)
      .set({ pinnedReleaseId: await idOf(r2 ?? "") })
      .where(eq(channels.name, CHANNEL));
    const keepOne = { ...h.deps, keepReleases: 1 };
    expect((await pruneChannel(keepOne, spec())).pruned).toEqual([]);
    expect(await status(pageOf(r2 ?? ""))).toBe(200);

    await h.deps.db
      .update(channels)
      .set({ pinnedReleaseId: null })
      .where(eq(channels.name, CHANNEL));
    const dry = await pruneChannel(keepOne, spec(), { dryRun: true });
    expect(dry.wouldPrune.map((r) => r.name)).toEqual([r2]);
    expect(await status(pageOf(r2 ?? ""))).toBe(200);
    const report = await pruneChannel(keepOne, spec());
    expect(report.pruned.map((r) => r.name)).toEqual([r2]);
    expect(await status(pageOf(r2 ?? ""))).toBe(404);
    // An admin cannot pin a release whose files are gone.
    await expect(
      pinChannel(h.deps, CHANNEL, { release: r2 ?? "" }, { label: "test", via: "cli" }),
    ).rejects.toThrow(/is not a published release of nixos-unstable whose files are kept/);
    expect(await status(`${pageOf(r3 ?? "")}/nixexprs.tar.xz`)).toBe(200);
  });

  it("finishes a deletion that crashed halfway, once, and is idempotent after", async () => {
    const r4 = await advance("d: 1 -> 2");
    const [, , r3] = published;
    // The store dies after the first deletion (the index): the release is marked, files remain.
    let deletes = 0;
    const dying: BlobStore = {
      ...h.deps.store,
      delete: async (key) => {
        if (deletes++ > 0) throw new Error("connection reset");
        await h.deps.store.delete(key);
      },
    };
    const keepOne = { ...h.deps, keepReleases: 1 };
    await expect(pruneChannel({ ...keepOne, store: dying }, spec())).rejects.toThrow(/reset/);
    expect(await status(pageOf(r3 ?? ""))).toBe(404);
    expect((await h.deps.store.list(`nixos/unstable/${r3}`)).length).toBeGreaterThan(0);
    const marked = (await rows()).find((r) => r.name === r3);
    expect(marked?.pruneStartedAt).toBeInstanceOf(Date);
    expect(marked?.prunedAt).toBeNull();

    // The next run finishes it (even with a count that would keep it now), and records it once.
    const resumed = await pruneChannel({ ...h.deps, keepReleases: 5 }, spec());
    expect(resumed.pruned.map((r) => [r.name, r.reason])).toEqual([
      [r3, "finishing a deletion that was interrupted"],
    ]);
    expect(await h.deps.store.list(`nixos/unstable/${r3}`)).toEqual([]);
    expect((await pruneChannel(keepOne, spec())).pruned).toEqual([]);
    expect((await prunedEvents()).toSorted()).toEqual([published[0], published[1], r3].toSorted());
    expect(await servedName()).toContain(r4);
    expect(await status(`${pageOf(r4 ?? "")}/nixexprs.tar.xz`)).toBe(200);
  });

  // Storage plays no part in what is referenced: the file run covers it.
  it.skipIf(kind === "s3")(
    "keeps an old release that an audit entry or the channel branch names, and says why",
    async () => {
      const old = published.at(-1) ?? "";
      const newest = await advance("e: 1 -> 2");
      const keepNone = { ...h.deps, keepReleases: 0 };
      const dry = () => pruneChannel(keepNone, spec(), { dryRun: true });
      expect((await dry()).wouldPrune.map((r) => r.name)).toEqual([old]);

      const operator = { label: "test", via: "cli" } as const;
      await pinChannel(h.deps, CHANNEL, { release: old, reason: "regression" }, operator);
      await unpinChannel(h.deps, CHANNEL, { reason: "fixed" }, operator);
      const audited = await dry();
      expect(audited.wouldPrune).toEqual([]);
      expect(audited.keptReferenced).toEqual([
        {
          name: old,
          why: [
            expect.stringMatching(/\(pin\) names it$/),
            expect.stringMatching(/\(unpin\) names it$/),
          ],
        },
      ]);

      await h.deps.db.delete(auditLog).where(eq(auditLog.channel, CHANNEL));
      const revisionOf = async (name: string) =>
        (await rows()).find((r) => r.name === name)?.revision ?? "";
      const headAt = async (name: string, secondsLater: number) =>
        h.deps.db.insert(branchHeads).values({
          branch: spec().branch,
          sha: await revisionOf(name),
          observedAt: new Date(Date.now() + secondsLater * 1000),
        });
      await headAt(old, 60);
      const byBranch = await pruneChannel(keepNone, spec());
      expect(byBranch.pruned).toEqual([]);
      expect(byBranch.keptReferenced).toEqual([
        { name: old, why: [`branch ${CHANNEL} points at its revision`] },
      ]);
      expect(h.logs.some((l) => l.includes('"msg":"release kept: referenced"'))).toBe(true);
      expect(await status(`${pageOf(old)}/nixexprs.tar.xz`)).toBe(200);

      await headAt(newest, 120);
      expect((await pruneChannel(keepNone, spec())).pruned.map((r) => r.name)).toEqual([old]);
      expect(await status(`${pageOf(old)}/nixexprs.tar.xz`)).toBe(404);
    },
  );
});
