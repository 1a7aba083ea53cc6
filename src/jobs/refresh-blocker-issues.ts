import type { UpstreamCache } from "../db/upstream-cache.ts";
import { CHANNEL_BLOCKER_LABEL, type IssueSource } from "../git/blocker-issues.ts";
import type { Logger } from "../log.ts";
import {
  BLOCKER_TEXT_LIMIT,
  readBlockers,
  writeBlockers,
} from "../status/blockers/blocker-store.ts";

/** How often the open channel-blocker issues are asked for, whichever process ticks. */
export const BLOCKER_REFRESH_MS = 5 * 60_000;

/**
 * Asks GitHub for the open channel-blocker issues when the stored list is older than
 * `BLOCKER_REFRESH_MS`, and stores them for every process to read. Run by the tick, never by a
 * page view; a failure is logged and the previous list stays.
 */
export async function refreshBlockerIssues(deps: {
  upstreamCache: UpstreamCache;
  issues: IssueSource;
  now: Date;
  logger: Logger;
}): Promise<void> {
  try {
    // Inside the try too: a database that went away must not turn a finished tick into a crash.
    const stored = await readBlockers(deps.upstreamCache);
    if (stored && deps.now.getTime() - Date.parse(stored.fetchedAt) < BLOCKER_REFRESH_MS) return;
    const open = await deps.issues.openIssues(CHANNEL_BLOCKER_LABEL);
    const issues = open.map((i) => ({
      number: i.number,
      title: i.title,
      url: i.url,
      createdAt: i.createdAt,
      text: `${i.title}\n${i.body}`.slice(0, BLOCKER_TEXT_LIMIT),
    }));
    await writeBlockers(
      deps.upstreamCache,
      { fetchedAt: deps.now.toISOString(), issues },
      deps.now,
    );
  } catch (err) {
    deps.logger.warn("blocker issues not refreshed", { job: "blockers", error: String(err) });
  }
}
