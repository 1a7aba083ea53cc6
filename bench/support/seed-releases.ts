// A served state without ticking: each channel gets one published release with real files.
import { randomBytes } from "node:crypto";
import type { Db } from "../../src/db/client.ts";
import { channels, releases } from "../../src/db/schema.ts";
import { createFsStore } from "../../src/publish/fs-store.node.ts";
import { renderReleaseIndex } from "../../src/publish/release-index.ts";
import { releaseFileKey, releasePrefix } from "../../src/publish/release-paths.ts";

export interface SeededRelease {
  channel: string;
  name: string;
  path: string;
}

/** Publishes one release per channel; the first channel's `nixexprs.tar.xz` has `tarballBytes`. */
export async function seedReleases(
  db: Db,
  storeDir: string,
  names: string[],
  tarballBytes: number,
): Promise<SeededRelease[]> {
  const store = createFsStore(storeDir);
  const seeded: SeededRelease[] = [];
  const now = new Date();
  for (const [i, channel] of names.entries()) {
    const revision = randomBytes(20).toString("hex");
    const name = `${channel.split("-")[0]}-26.11pre${100 + i}.${revision.slice(0, 12)}`;
    const bodies: Record<string, Uint8Array | string> = {
      "git-revision": revision,
      "binary-cache-url": "https://cache.nixos.org",
      "nixexprs.tar.xz": randomBytes(i === 0 ? tarballBytes : 4096),
    };
    const files = [];
    for (const [file, body] of Object.entries(bodies)) {
      const { size, sha256 } = await store.put(releaseFileKey(channel, name, file), body);
      files.push({ name: file, size, sha256 });
    }
    const index = renderReleaseIndex({
      channel,
      releaseName: name,
      revision,
      evalId: 1000 + i,
      evalUrl: `https://hydra.example/eval/${1000 + i}`,
      publishedAt: now,
      revisionCommittedAt: now,
      files,
    });
    await store.put(releaseFileKey(channel, name, "index.html"), index);
    const [row] = await db
      .insert(releases)
      .values({
        channel,
        name,
        revision,
        revisionCommittedAt: now,
        evalId: 1000 + i,
        buildId: 2000 + i,
        state: "published",
        files,
        createdAt: now,
        publishedAt: now,
      })
      .returning({ id: releases.id });
    await db.insert(channels).values({
      name: channel,
      currentReleaseId: row?.id ?? null,
      lastTickAt: now,
      lastOutcome: {
        kind: "idle",
        summary: `${channel} is up to date at ${name}`,
        at: now.toISOString(),
      },
    });
    seeded.push({ channel, name, path: `/releases/${releasePrefix(channel, name)}` });
  }
  return seeded;
}
