import { eq } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { branchHeads, type Release, releases } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { ReleaseRun } from "../domain/tick-outcome.ts";
import { BranchRejectedError, BranchUnconfirmedError, errorCode, errorMessage } from "../errors.ts";
import { recordLandings } from "../git/record-landings.ts";
import { pruneAfterPublish } from "../publish/prune-releases.ts";
import { publishReleaseFiles } from "../publish/publish-release-files.ts";
import { flipPointer, type LeaseFence, moveRelease } from "./release-state.ts";

export interface ReleaseTarget {
  fence: LeaseFence;
  /** The release the decision saw as current: the pointer's compare-and-set expects it. */
  current: { id: number; name: string } | null;
}

class ReleaseMoved extends Error {
  constructor(readonly state: string) {
    super(`release moved to ${state}`);
  }
}

async function move(deps: Deps, fence: LeaseFence, release: Release, patch: Partial<Release>) {
  const moved = await moveRelease(deps.db, fence, release, patch);
  if (moved) return moved;
  const [now] = await deps.db.select().from(releases).where(eq(releases.id, release.id));
  throw new ReleaseMoved(now?.state ?? "gone");
}

/**
 * Fast-forwards the channel branch and confirms it: GitHub's answer must name the commit asked
 * for, and reading the branch back must show it, before anything is published on top of it.
 */
async function updateBranch(deps: Deps, spec: ChannelSpec, release: Release): Promise<void> {
  const result = await deps.git.fastForward(spec.branch, release.revision);
  if (result.kind === "not-fast-forward")
    throw new BranchRejectedError(spec.branch, result.message);
  if (result.kind === "observe-only") {
    deps.logger.info("branch update skipped (observe-only)", {
      channel: spec.name,
      step: "branch",
    });
    return;
  }
  const want = release.revision;
  if (result.sha !== want) {
    throw new BranchUnconfirmedError(
      spec.branch,
      `GitHub answered the update with ${result.sha.slice(0, 12)}, not ${want.slice(0, 12)}`,
      { answered: result.sha, wanted: want },
    );
  }
  const readBack = await deps.git.branchHead(spec.branch);
  if (readBack?.sha !== want) {
    const seen = readBack ? readBack.sha.slice(0, 12) : "no branch";
    throw new BranchUnconfirmedError(
      spec.branch,
      `reading the branch back shows ${seen}, not ${want.slice(0, 12)}`,
      { readBack: readBack?.sha ?? null, wanted: want },
    );
  }
  // Our own push is an observation too: the page's pipeline shows the branch where it now is.
  await deps.db
    .insert(branchHeads)
    .values({ branch: spec.branch, sha: want, observedAt: deps.clock.now() });
  deps.logger.info("branch fast-forwarded", { channel: spec.name, step: "branch", sha: want });
}

async function publish(
  deps: Deps,
  release: Release,
  target: ReleaseTarget,
): Promise<"flipped" | ReleaseRun> {
  const flip = await flipPointer(
    deps.db,
    target.fence,
    release,
    target.current?.id ?? null,
    deps.clock.now(),
  );
  if (flip.kind === "flipped") return "flipped";
  if (flip.currentId === release.id) return { kind: "already-current", release: release.name };
  const [row] =
    flip.currentId === null
      ? []
      : await deps.db.select().from(releases).where(eq(releases.id, flip.currentId));
  deps.logger.warn("channel pointer moved by someone else; not flipping", {
    channel: target.fence.channel,
    step: "publish",
    expected: target.current?.name ?? null,
    current: row?.name ?? null,
  });
  return { kind: "pointer-moved", release: release.name, current: row?.name ?? null };
}

/**
 * Drives one release through pending → files → branch → published. Each step is idempotent and
 * a compare-and-set on the state it expects, so a crash anywhere resumes here on the next tick and
 * a row moved by someone else stops it. Says what really happened.
 */
export async function runRelease(
  deps: Deps,
  spec: ChannelSpec,
  start: Release,
  target: ReleaseTarget,
): Promise<ReleaseRun> {
  const previous = target.current?.name ?? null;
  let release = start;
  try {
    if (release.state === "pending") {
      const { files } = await publishReleaseFiles(deps, spec, release);
      release = await move(deps, target.fence, release, { state: "files", files });
      deps.logger.info("release files written", { channel: spec.name, step: "files" });
    }
    if (release.state === "files") {
      await updateBranch(deps, spec, release);
      release = await move(deps, target.fence, release, { state: "branch" });
    }
  } catch (err) {
    if (err instanceof ReleaseMoved) {
      return { kind: "release-moved", release: release.name, state: err.state };
    }
    throw err;
  }
  // Back up to a release published before (a manual roll-back): the branch must hold it again too.
  if (release.state === "published") await updateBranch(deps, spec, release);
  if (release.state !== "branch" && release.state !== "published") {
    return { kind: "release-moved", release: release.name, state: release.state };
  }
  const published = await publish(deps, release, target);
  if (published !== "flipped") return published;
  // Replicas serve the new release now (this process) or on NOTIFY (others), not on their timer.
  await deps.changes.channelChanged(spec.name);
  await recordLandingsAfterPublish(deps, spec, release, target.current?.id ?? null);
  await pruneAfterPublish(deps, spec);
  if (start.state === "published") return { kind: "republished", release: release.name, previous };
  if (start.state === "pending") return { kind: "advanced", release: release.name, previous };
  return { kind: "resumed", release: release.name, previous, from: start.state };
}

/** Landings only feed "has my PR landed?", which falls back to compare: never fail a release for them. */
async function recordLandingsAfterPublish(
  deps: Deps,
  spec: ChannelSpec,
  release: Release,
  previousReleaseId: number | null,
): Promise<void> {
  try {
    const now = deps.clock.now();
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
