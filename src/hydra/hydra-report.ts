import { eq, inArray } from "drizzle-orm";
import type { ChannelSpec } from "../config/channels-file.ts";
import { hydraBuilds, hydraEvals } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { ConstituentFact, ConstituentState, EvalProgressFact } from "../domain/facts.ts";
import { constituentState, describeBuildStatus } from "./build-status.ts";
import { evalProgress } from "./eval-progress.ts";
import { recordGate } from "./record-gate.ts";

export interface PendingConstituent extends ConstituentFact {
  /** ISO time it has waited since: its eval, or its last finish when it was restarted. */
  waitingSince: string | null;
  restarted: boolean;
}

export interface HydraReport {
  channel: string;
  job: string;
  gate: {
    buildId: number;
    evalId: number;
    releaseName: string;
    revision: string;
    url: string;
    evalUrl: string;
    state: ConstituentState;
    statusText: string;
    /** Whether this is Hydra's `latest-finished`, the build a channel may advance to. */
    releasable: boolean;
    evaluatedAt: string | null;
    finishedAt: string | null;
  } | null;
  counts: { passed: number; failed: number; pending: number; total: number };
  failing: ConstituentFact[];
  pending: PendingConstituent[];
  newestEval: EvalProgressFact | null;
}

type ReportDeps = Pick<Deps, "db" | "hydra" | "clock" | "logger" | "upstreamCache">;

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/**
 * The newest finished gate build of a channel's job (passed or failed) and its constituents, recorded
 * on the way (only what is new is asked), plus whether a newer eval is still building.
 */
export async function hydraReport(deps: ReportDeps, spec: ChannelSpec): Promise<HydraReport> {
  const now = deps.clock.now();
  const candidateId = await deps.hydra.latestFinished(spec.job);
  const [newest] = await deps.hydra.latestBuilds(spec.job, 1);
  const newestEval = await evalProgress(deps, spec.job, now);
  const report: HydraReport = {
    channel: spec.name,
    job: `${spec.job.project}/${spec.job.jobset}/${spec.job.job}`,
    gate: null,
    counts: { passed: 0, failed: 0, pending: 0, total: 0 },
    failing: [],
    pending: [],
    newestEval,
  };
  const pick =
    newest && newest.id > (candidateId ?? 0)
      ? { id: newest.id, finished: newest.finished, buildstatus: newest.buildstatus }
      : candidateId === null
        ? null
        : { id: candidateId, finished: true, buildstatus: 0 };
  if (!pick) return report;

  const fact = await recordGate(deps, pick.id, pick, now);
  const [row] = await deps.db
    .select({ build: hydraBuilds, ev: hydraEvals })
    .from(hydraBuilds)
    .leftJoin(hydraEvals, eq(hydraEvals.id, fact.evalId))
    .where(eq(hydraBuilds.id, fact.buildId));
  const evaluatedAt = row?.ev?.evaluatedAt ?? null;
  report.gate = {
    buildId: fact.buildId,
    evalId: fact.evalId,
    releaseName: fact.releaseName,
    revision: fact.revision,
    url: fact.url,
    evalUrl: deps.hydra.evalUrl(fact.evalId),
    state: constituentState(pick.finished, pick.buildstatus),
    statusText: describeBuildStatus(pick.finished, pick.buildstatus),
    releasable: pick.id === candidateId,
    evaluatedAt: iso(evaluatedAt),
    finishedAt: iso(row?.build.stoppedAt),
  };

  const byState = (state: ConstituentState) => fact.constituents.filter((c) => c.state === state);
  report.failing = byState("failed");
  const pending = byState("pending");
  const stops = pending.length
    ? await deps.db
        .select({
          id: hydraBuilds.id,
          queuedAt: hydraBuilds.queuedAt,
          stoppedAt: hydraBuilds.stoppedAt,
        })
        .from(hydraBuilds)
        .where(
          inArray(
            hydraBuilds.id,
            pending.map((p) => p.buildId),
          ),
        )
    : [];
  report.pending = pending
    .map((c): PendingConstituent => {
      // Hydra keeps a restarted build's old stop time; the restart came after it. A build reused
      // from an older eval has been queued since that eval created it, not since this one.
      const row = stops.find((s) => s.id === c.buildId);
      const stoppedAt = row?.stoppedAt ?? null;
      const queuedAt = row?.queuedAt ?? evaluatedAt;
      return { ...c, restarted: stoppedAt !== null, waitingSince: iso(stoppedAt ?? queuedAt) };
    })
    .sort((a, b) => (a.waitingSince ?? "").localeCompare(b.waitingSince ?? ""));
  report.counts = {
    passed: byState("passed").length,
    failed: report.failing.length,
    pending: pending.length,
    total: fact.constituents.length,
  };
  return report;
}
