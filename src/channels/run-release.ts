import { and, eq, isNull } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { branchHeads, channels, type Release, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { BranchRejectedError, errorCode, errorMessage } from "../errors.ts";
import { recordLandings } from "../git/record-landings.ts";
import { publishReleaseFiles } from "../publish/publish-release-files.ts";

async function setState(deps: Deps, release: Release, patch: Partial<Release>): Promise<Release> {
  const [updated] = await deps.db
    .update(releases)
    .set({ ...patch, lastError: null })
    .where(eq(releases.id, release.id))
    .returning();
  return updated ?? release;
}

/**
 * Drives one release through pending → files → branch → published. Each step is idempotent and
 * recorded before the next starts, so a crash anywhere resumes here on the next tick.
 * Returns false when another advancer flipped the channel first.
 */
export async function runRelease(
  deps: Deps,
  spec: ChannelSpec,
  start: Release,
  expectedCurrentId: number | null,
): Promise<boolean> {
  let release = start;
  const log = deps.logger.child({ channel: spec.name, release: release.name });

  if (release.state === "pending") {
    const { files } = await publishReleaseFiles(deps, spec, release);
    release = await setState(deps, release, { state: "files", files });
    log.info("release files written", { step: "files", files: files.length });
  }

  if (release.state === "files") {
    const result = await deps.git.fastForward(spec.branch, release.revision);
    if (result.kind === "not-fast-forward")
      throw new BranchRejectedError(spec.branch, result.message);
    release = await setState(deps, release, { state: "branch" });
    if (result.kind === "updated") {
      // Our own push is an observation too: the page's pipeline shows the branch where it now is.
      await deps.db
        .insert(branchHeads)
        .values({ branch: spec.branch, sha: release.revision, observedAt: deps.clock.now() });
    }
    log.info(
      result.kind === "observe-only"
        ? "branch update skipped (observe-only)"
        : "branch fast-forwarded",
      {
        step: "branch",
        branch: spec.branch,
        sha: release.revision,
      },
    );
  }

  if (release.state !== "branch") return true;
  const now = deps.clock.now();
  const published = await deps.db.transaction(async (tx) => {
    const flipped = await tx
      .update(channels)
      .set({ currentReleaseId: release.id })
      .where(
        and(
          eq(channels.name, spec.name),
          expectedCurrentId === null
            ? isNull(channels.currentReleaseId)
            : eq(channels.currentReleaseId, expectedCurrentId),
        ),
      )
      .returning({ name: channels.name });
    if (flipped.length === 0) {
      log.warn("channel pointer moved by another advancer; not flipping", { step: "publish" });
      return false;
    }
    await tx
      .update(releases)
      .set({ state: "published", publishedAt: now, lastError: null })
      .where(eq(releases.id, release.id));
    return true;
  });
  // Replicas serve the new release now (this process) or on NOTIFY (others), not on their timer.
  if (published) await deps.changes.channelChanged(spec.name);
  if (published) await recordLandingsAfterPublish(deps, spec, release, expectedCurrentId, now);
  return published;
}

/** Landings only feed "has my PR landed?", which falls back to compare: never fail a release for them. */
async function recordLandingsAfterPublish(
  deps: Deps,
  spec: ChannelSpec,
  release: Release,
  previousReleaseId: number | null,
  now: Date,
): Promise<void> {
  try {
    await recordLandings(deps, release, { branch: spec.branch, previousReleaseId }, now);
  } catch (err) {
    deps.logger.warn("landings not recorded", {
      channel: spec.name,
      release: release.name,
      step: "landings",
      code: errorCode(err),
      error: errorMessage(err),
    });
  }
}
