import type { ReleaseState } from "../db/schema.ts";

/** What retention needs to know of one release row. */
export interface RetainedRelease {
  id: number;
  name: string;
  state: ReleaseState;
  publishedAt: Date | null;
  pruneStartedAt: Date | null;
}

export interface RetentionPolicy {
  /** Published releases kept, newest first; null keeps every release. */
  keep: number | null;
  /** Releases that must stay whatever their age: the served pointer, an admin's pin (see also `keepReferenced`). */
  protectedIds: ReadonlySet<number>;
}

export interface PruneChoice {
  release: RetainedRelease;
  /** Why it may go, for the log and the event. */
  reason: string;
}

// A release still moving through its steps (or stopped in `failed`, which `retry` resumes) is
// being written or may yet be published: retention never touches it.
const UNFINISHED: ReadonlySet<ReleaseState> = new Set(["pending", "files", "branch", "failed"]);

/**
 * Pure: which releases of one channel retention deletes. It keeps the newest `keep` published
 * releases, every protected one and every unfinished one. Older published releases go, and so do
 * abandoned ones (never served) older than the oldest kept published release.
 */
export function chooseReleasesToPrune(
  releases: readonly RetainedRelease[],
  policy: RetentionPolicy,
): PruneChoice[] {
  if (policy.keep === null) return [];
  const published = releases
    .filter((r) => r.state === "published")
    .toSorted((a, b) => newestFirst(a, b));
  const kept = published.slice(0, policy.keep);
  const oldestKeptId = Math.min(...kept.map((r) => r.id));
  const keptIds = new Set(kept.map((r) => r.id));
  const choices: PruneChoice[] = [];
  for (const release of releases) {
    if (release.pruneStartedAt !== null) continue;
    if (keptIds.has(release.id) || policy.protectedIds.has(release.id)) continue;
    if (UNFINISHED.has(release.state)) continue;
    if (release.state === "published") {
      choices.push({ release, reason: `older than the newest ${policy.keep} published releases` });
    } else if (release.state === "abandoned" && release.id < oldestKeptId) {
      choices.push({ release, reason: "abandoned, older than every kept release" });
    }
  }
  return choices.toSorted((a, b) => a.release.id - b.release.id);
}

function newestFirst(a: RetainedRelease, b: RetainedRelease): number {
  const at = (r: RetainedRelease) => r.publishedAt?.getTime() ?? 0;
  return at(b) - at(a) || b.id - a.id;
}

/** Something other than the channel's pointers that names a release, so retention keeps it. */
export interface ReleaseReference {
  release: string;
  why: string;
}

/** Pure: the choices minus the referenced releases, and those with every reason they are kept. */
export function keepReferenced(
  choices: readonly PruneChoice[],
  refs: readonly ReleaseReference[],
): { prune: PruneChoice[]; kept: { name: string; why: string[] }[] } {
  const reasons = new Map<string, string[]>();
  for (const ref of refs) reasons.set(ref.release, [...(reasons.get(ref.release) ?? []), ref.why]);
  const prune: PruneChoice[] = [];
  const kept: { name: string; why: string[] }[] = [];
  for (const choice of choices) {
    const why = reasons.get(choice.release.name);
    if (why) kept.push({ name: choice.release.name, why });
    else prune.push(choice);
  }
  return { prune, kept };
}
