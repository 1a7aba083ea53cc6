import type { AlertPolicy } from "../config/alert-settings.ts";
import { formatAge } from "../status/format-age.ts";
import type { AlertData, FailingConstituent, NewAlert } from "./alert-types.ts";

/** What the rules remember per channel between ticks (stored as JSON in `alert_states`). */
export interface AlertMemory {
  /** Consecutive ticks whose pipeline (a step or an upstream) failed. */
  failureStreak: number;
  failureSince: string | null;
  /** The `pipeline-failed` key alerted and not recovered yet. */
  pipelineAlerted: string | null;
  /** The block in force: its dedupe key, whether it was alerted, and what fails now. */
  block: {
    key: string;
    evalId: number | null;
    since: string;
    notified: boolean;
    alertedJobs: string[];
    failing: FailingConstituent[];
    lastDigestAt: string;
  } | null;
  /** When each dedupe key last produced a message (for the cooldown), pruned after two weeks. */
  lastSent: Record<string, string>;
}

export const emptyAlertMemory: AlertMemory = {
  failureStreak: 0,
  failureSince: null,
  pipelineAlerted: null,
  block: null,
  lastSent: {},
};

/** The structured facts of one recorded tick that alerts are derived from (never its summary). */
export interface TickObservation {
  channel: string;
  /** A release this tick published. */
  advanced: Omit<Extract<AlertData, { kind: "advanced" }>, "kind" | "blockedSince"> | null;
  /** A hard block: failing constituents of an eval, or the gate refusing for a reason of its own. */
  block: (Omit<Extract<AlertData, { kind: "blocked" }>, "kind"> & { subject: string }) | null;
  /** The pipeline failed this tick: an upstream error or a release step. */
  failure: { step: string; code: string; message: string } | null;
  /** Nothing blocks the channel (it advanced or is up to date); waiting (pending, frozen) is neither. */
  healthy: boolean;
  /** The served release and its update age; null when nothing is published or it just advanced. */
  served: { release: string; updateAgeMs: number } | null;
}

const KEEP_SENT_MS = 14 * 86_400_000;

const jobsOf = (failing: FailingConstituent[]) => failing.map((f) => f.job);
const ageOf = (ms: number) => formatAge(Math.max(0, Math.floor(ms / 1000)));

/**
 * PURE: the alerts one tick produces and what to remember. One `blocked` per blocking eval;
 * `pipeline-failed` only after N failing ticks in a row; `stuck` again only after the cooldown;
 * `recovered` once per alerted problem; a digest while a block lasts.
 */
export function deriveAlerts(
  memory: AlertMemory,
  obs: TickObservation,
  policy: AlertPolicy,
  now: Date,
): { memory: AlertMemory; alerts: NewAlert[] } {
  const at = now.toISOString();
  const ch = obs.channel;
  const m: AlertMemory = structuredClone(memory);
  const alerts: NewAlert[] = [];
  const coolingDown = (key: string) => {
    const last = m.lastSent[key];
    return last !== undefined && now.getTime() - Date.parse(last) < policy.cooldownMs;
  };
  const emit = (key: string, summary: string, data: AlertData) => {
    alerts.push({ channel: ch, kind: data.kind, dedupeKey: key, summary, data });
    m.lastSent[key] = at;
  };
  const problemSince = m.block?.notified
    ? m.block.since
    : m.pipelineAlerted
      ? m.failureSince
      : null;

  if (obs.failure) {
    m.failureStreak += 1;
    m.failureSince ??= at;
    const key = `${ch}:pipeline-failed:${obs.failure.step}`;
    if (m.failureStreak >= policy.pipelineFailedAfter && !m.pipelineAlerted && !coolingDown(key)) {
      const { step, code, message } = obs.failure;
      emit(
        key,
        `${ch} pipeline failing: ${step} failed ${m.failureStreak} ticks in a row: ${message}`,
        {
          kind: "pipeline-failed",
          step,
          code,
          message,
          ticks: m.failureStreak,
          since: m.failureSince,
        },
      );
      m.pipelineAlerted = key;
    }
  } else {
    if (m.pipelineAlerted && !obs.advanced) {
      const since = m.failureSince ?? at;
      emit(
        `${ch}:recovered:${m.pipelineAlerted}:${at}`,
        `${ch} recovered: the pipeline works again after ${ageOf(now.getTime() - Date.parse(since))}`,
        {
          kind: "recovered",
          from: "pipeline-failed",
          since,
          subject: m.pipelineAlerted,
        },
      );
    }
    m.failureStreak = 0;
    m.failureSince = null;
    m.pipelineAlerted = null;
  }

  if (obs.block) rememberBlock(obs.block);
  else if (obs.healthy && m.block) {
    if (m.block.notified && !obs.advanced) {
      emit(
        `${ch}:recovered:${m.block.key}:${at}`,
        `${ch} recovered: no longer blocked (since ${m.block.since})`,
        {
          kind: "recovered",
          from: "blocked",
          since: m.block.since,
          subject: m.block.key,
        },
      );
    }
    m.block = null;
  }

  if (obs.advanced) {
    const a = obs.advanced;
    const count =
      a.commitCount === null ? "" : ` (${a.commitCount} commit${a.commitCount === 1 ? "" : "s"})`;
    const after = problemSince
      ? `, unblocked after ${ageOf(now.getTime() - Date.parse(problemSince))}`
      : "";
    emit(`${ch}:advanced:${a.release}`, `${ch} advanced to ${a.release}${count}${after}`, {
      kind: "advanced",
      ...a,
      blockedSince: problemSince,
    });
  } else if (
    obs.served &&
    policy.stuckAfterMs !== null &&
    obs.served.updateAgeMs > policy.stuckAfterMs
  ) {
    const key = `${ch}:stuck:${obs.served.release}`;
    if (!coolingDown(key)) {
      emit(
        key,
        `${ch} stuck: last updated ${ageOf(obs.served.updateAgeMs)} ago, still at ${obs.served.release}`,
        {
          kind: "stuck",
          release: obs.served.release,
          updateAgeSeconds: Math.floor(obs.served.updateAgeMs / 1000),
          thresholdSeconds: Math.floor(policy.stuckAfterMs / 1000),
        },
      );
    }
  }

  for (const [key, sent] of Object.entries(m.lastSent)) {
    if (now.getTime() - Date.parse(sent) > Math.max(KEEP_SENT_MS, policy.cooldownMs))
      delete m.lastSent[key];
  }
  return { memory: m, alerts };

  function rememberBlock(block: NonNullable<TickObservation["block"]>) {
    const key = `${ch}:blocked:${block.subject}`;
    if (m.block?.key === key) {
      m.block.failing = block.failing;
      if (now.getTime() - Date.parse(m.block.lastDigestAt) >= policy.digestEveryMs) {
        const later = jobsOf(block.failing).filter((j) => !m.block?.alertedJobs.includes(j));
        const failing = jobsOf(block.failing).join(", ") || block.detail;
        emit(
          `${ch}:digest:${key}:${at}`,
          `${ch} still blocked since ${m.block.since}: ${failing}${later.length ? ` (${later.length} failing since the first alert)` : ""}`,
          {
            kind: "digest",
            evalId: block.evalId,
            blockedSince: m.block.since,
            failing: block.failing,
            failingSinceAlert: later,
          },
        );
        m.block.lastDigestAt = at;
      }
      return;
    }
    const notify = !coolingDown(key);
    if (notify) {
      const what = block.failing.length
        ? `eval ${block.evalId ?? "?"}: ${jobsOf(block.failing).join(", ")} failed`
        : block.detail;
      const { subject: _subject, ...data } = block;
      emit(key, `${ch} blocked: ${what}`, { kind: "blocked", ...data });
    }
    m.block = {
      key,
      evalId: block.evalId,
      since: m.block?.since ?? at,
      notified: notify || (m.block?.notified ?? false),
      alertedJobs: notify ? jobsOf(block.failing) : [],
      failing: block.failing,
      lastDigestAt: at,
    };
  }
}
