import type { Clock } from "../../clock.ts";
import type { ChannelReadModel } from "../read-model/channel-read-model.ts";
import { type AnswerCache, answerCache, heldGeneration } from "./answer-cache.ts";
import type { CommitReport } from "./commit-landing.ts";
import type { PullReport } from "./pull-landing.ts";

/** The lookups' kept answers: the routes fill them; on Node the fast path serves commits from them. */
export interface LookupAnswers {
  commits: AnswerCache<CommitReport>;
  pulls: AnswerCache<PullReport>;
}

export function createLookupAnswers(
  readModel: Pick<ChannelReadModel, "current" | "peek">,
  clock: Clock,
): LookupAnswers {
  const generation = heldGeneration(readModel);
  const nowMs = () => clock.now().getTime();
  const isDegraded = (report: { partial?: unknown }) => report.partial !== undefined;
  return {
    commits: answerCache<CommitReport>({ generation, nowMs, isDegraded }),
    pulls: answerCache<PullReport>({ generation, nowMs, isDegraded }),
  };
}

/** How a commit lookup's input is kept: what the client typed, trimmed and in lower case. */
export const commitAnswerKey = (input: string) => input.trim().toLowerCase();
