import type { Deps } from "../deps.ts";
import type { DecisionNote, PageWork } from "../domain/decision.ts";
import { errorCode, errorMessage } from "../errors.ts";

/**
 * Runs work that only feeds the page (lag, a newer failure's explanation, eval progress): a
 * failure becomes a note on the decision, never a failed tick or a stopped advance.
 */
export function pageWork(deps: Pick<Deps, "logger">, channel: string, notes: DecisionNote[]) {
  return async <T>(work: PageWork, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      const code = errorCode(err);
      const message = errorMessage(err);
      deps.logger.warn("page-only work failed", { channel, step: work, code, error: message });
      notes.push({ kind: "page-work-failed", work, code, message });
      return null;
    }
  };
}
