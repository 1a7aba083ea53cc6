import { type AppError, RetryLaterError } from "../../errors.ts";
import { isUpstreamUnavailable } from "./upstream-outage.ts";

/** Why a lookup's answer is partial: GitHub could not be asked, so recorded history answered. */
export interface Shortfall {
  /** The failure's code: GITHUB_UNREACHABLE, GITHUB_SERVER_ERROR, LOOKUPS_PAUSED, … */
  code: string;
  message: string;
  /** When GitHub said (or the lookups' budget says) to come back; null when nobody said. */
  retryAfterSeconds: number | null;
}

/** The GitHub failures one lookup answered around; the first one is the report's `partial`. */
export interface Shortfalls {
  /**
   * Takes a failure the lookup can answer around (GitHub unavailable, its budget spent) and says
   * why a node is unknown; any other failure (a bug, the database) is thrown again.
   */
  note(err: unknown): string;
  first(): Shortfall | null;
}

export function shortfalls(): Shortfalls {
  let first: Shortfall | null = null;
  return {
    note(err) {
      if (!isUpstreamUnavailable(err)) throw err;
      first ??= shortfallOf(err);
      return `GitHub could not be asked (${err.code}) and floodgate's records do not tell`;
    },
    first: () => first,
  };
}

function shortfallOf(err: AppError): Shortfall {
  const retryAfterSeconds = err instanceof RetryLaterError ? err.retryAfterSeconds : null;
  return { code: err.code, message: err.message, retryAfterSeconds };
}
