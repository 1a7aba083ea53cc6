import { and, count, desc, eq, lt } from "drizzle-orm";
import { type AlertPolicy, type AlertsSection, alertPolicyFor } from "../config/alert-settings.ts";
import type { ChannelSpec } from "../config/channels-file.ts";
import type { Db } from "../db/client.ts";
import { channels, commitPulls, pullRequests, releaseCommits, releases } from "../db/schema.ts";
import type { BlockReason } from "../domain/decision.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import type { UnblockReport } from "../unblock/unblock-types.ts";
import type { ConstituentVerdict, NewAlert } from "./alert-types.ts";
import { deriveAlerts, type TickObservation } from "./derive-alerts.ts";
import { enqueueAlert, loadAlertMemory, saveAlertMemory } from "./outbox.ts";

/**
 * Block reasons that are not a broken gate: waiting (pending, building), an operator's hold (its
 * own admin alert), or a failing step (counted as a pipeline failure instead).
 */
const NOT_A_BLOCK = new Set([
  "frozen",
  "pinned",
  "constituents-pending",
  "eval-building",
  "step-failed",
  "release-failed",
]);
const NOTABLE_PRS = 5;

type Observed = Pick<TickObservation, "block" | "failure" | "healthy">;

/** PURE: the structured part of a tick outcome the rules look at (never its summary text). */
export function observeOutcome(
  outcome: TickOutcome,
  urls: { hydraUrl: string },
  describe: (reason: BlockReason) => string,
): Observed {
  switch (outcome.kind) {
    case "advanced":
    case "idle":
      return { block: null, failure: null, healthy: true };
    case "error":
      return {
        block: null,
        failure: { step: "tick", code: outcome.code, message: outcome.summary },
        healthy: false,
      };
    case "blocked": {
      const reasons = outcome.decision.kind === "blocked" ? outcome.decision.reasons : [];
      const step = reasons.find((r) => r.kind === "step-failed" || r.kind === "release-failed");
      const hard = reasons.find((r) => !NOT_A_BLOCK.has(r.kind));
      return {
        failure: step ? { step: step.step, code: step.code, message: step.message } : null,
        block: hard ? blockOf(hard, urls, describe, outcome.unblock) : null,
        healthy: false,
      };
    }
    default:
      return { block: null, failure: null, healthy: false };
  }
}

/** The unblock assistant's verdict on one job, in the shape alerts carry (Slack, the webhook). */
function verdictOf(
  unblock: UnblockReport | undefined,
  job: string,
): { verdict?: ConstituentVerdict } {
  const c = unblock?.constituents.find((x) => x.job === job);
  if (!c) return {};
  const pulls = (c.range?.commits ?? []).flatMap((commit) => commit.pulls);
  const unique = pulls.filter((p, i) => pulls.findIndex((q) => q.number === p.number) === i);
  return {
    verdict: {
      kind: c.verdict.kind,
      text: c.verdict.text,
      ...(c.range ? { compareUrl: c.range.compareUrl, pulls: unique.slice(0, NOTABLE_PRS) } : {}),
    },
  };
}

function blockOf(
  reason: BlockReason,
  urls: { hydraUrl: string },
  describe: (reason: BlockReason) => string,
  unblock?: UnblockReport,
): NonNullable<TickObservation["block"]> {
  const evalId = "evalId" in reason ? reason.evalId : null;
  const failing =
    reason.kind === "constituents-failed"
      ? reason.failed.map(({ job, system, buildId, url, statusText }) => ({
          job,
          system,
          buildId,
          url,
          statusText,
          ...verdictOf(unblock, job),
        }))
      : [];
  // One block per blocking eval, whatever the reason; without an eval, per reason and revision.
  const revision = "revision" in reason ? reason.revision : "";
  return {
    subject: evalId === null ? `${reason.kind}:${revision}` : `eval-${evalId}`,
    reason: reason.kind,
    evalId,
    evalUrl: evalId === null ? null : `${urls.hydraUrl}/eval/${evalId}`,
    gateUrl: "url" in reason ? reason.url : null,
    failing,
    detail: describe(reason),
  };
}

async function advancedFacts(
  tx: Db,
  channel: string,
  releaseName: string,
  now: Date,
): Promise<TickObservation["advanced"]> {
  const [release] = await tx
    .select()
    .from(releases)
    .where(and(eq(releases.channel, channel), eq(releases.name, releaseName)));
  if (!release) {
    return {
      release: releaseName,
      previousRelease: null,
      revision: null,
      evalId: null,
      commitCount: null,
      notablePrs: [],
      revisionAgeSeconds: null,
    };
  }
  const [brought] = await tx
    .select({ n: count() })
    .from(releaseCommits)
    .where(eq(releaseCommits.releaseId, release.id));
  const prs = await tx
    .selectDistinct({
      number: pullRequests.number,
      title: pullRequests.title,
      url: pullRequests.url,
    })
    .from(releaseCommits)
    .innerJoin(commitPulls, eq(commitPulls.sha, releaseCommits.sha))
    .innerJoin(pullRequests, eq(pullRequests.number, commitPulls.number))
    .where(eq(releaseCommits.releaseId, release.id))
    .orderBy(desc(pullRequests.number))
    .limit(NOTABLE_PRS);
  const [previous] = await tx
    .select({ name: releases.name })
    .from(releases)
    .where(
      and(
        eq(releases.channel, channel),
        eq(releases.state, "published"),
        lt(releases.id, release.id),
      ),
    )
    .orderBy(desc(releases.id))
    .limit(1);
  const committed = release.revisionCommittedAt;
  return {
    release: release.name,
    previousRelease: previous?.name ?? null,
    revision: release.revision,
    evalId: release.evalId,
    commitCount: brought && brought.n > 0 ? brought.n : null,
    notablePrs: prs,
    revisionAgeSeconds: committed ? Math.floor((now.getTime() - committed.getTime()) / 1000) : null,
  };
}

async function servedRelease(
  tx: Db,
  channel: string,
  now: Date,
): Promise<TickObservation["served"]> {
  const [row] = await tx
    .select({ name: releases.name, publishedAt: releases.publishedAt })
    .from(channels)
    .innerJoin(releases, eq(releases.id, channels.currentReleaseId))
    .where(eq(channels.name, channel));
  if (!row?.publishedAt) return null;
  return { release: row.name, updateAgeMs: now.getTime() - row.publishedAt.getTime() };
}

/**
 * Derives the alerts of one recorded tick and puts them in the outbox, in the caller's
 * transaction (the one that stores the outcome). Returns them for the event log.
 */
export async function recordTickAlerts(
  tx: Db,
  ctx: { spec: ChannelSpec; settings: AlertsSection; hydraUrl: string; now: Date },
  outcome: TickOutcome,
  describe: (reason: BlockReason) => string,
): Promise<NewAlert[]> {
  const { spec, now } = ctx;
  const policy: AlertPolicy = alertPolicyFor(spec, ctx.settings);
  const observed = observeOutcome(outcome, { hydraUrl: ctx.hydraUrl }, describe);
  // Finding the channel already at the release is not news; resuming or re-publishing one is.
  const moved = outcome.kind === "advanced" && outcome.run.kind !== "already-current";
  const observation: TickObservation = {
    channel: spec.name,
    ...observed,
    advanced: moved ? await advancedFacts(tx, spec.name, outcome.release, now) : null,
    served: moved ? null : await servedRelease(tx, spec.name, now),
  };
  const memory = await loadAlertMemory(tx, spec.name);
  const derived = deriveAlerts(memory, observation, policy, now);
  for (const alert of derived.alerts) await enqueueAlert(tx, alert, now);
  await saveAlertMemory(tx, spec.name, derived.memory, now);
  return derived.alerts;
}
