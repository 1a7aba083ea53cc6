import { z } from "zod";
import type { UnblockReport } from "../../unblock/unblock-types.ts";
import type { Exactly } from "./documented.ts";

// The unblock assistant's report (src/unblock/unblock-types.ts) as the OpenAPI document describes it.

const Instant = z.iso.datetime();

const EvalPoint = {
  evalId: z.number().int(),
  revision: z.string().nullable(),
  evaluatedAt: Instant.nullable(),
};

const ConstituentRun = z.object({
  ...EvalPoint,
  buildId: z.number().int().nullable(),
  outcome: z.enum(["passed", "passed-on-restart", "failed", "pending", "absent"]),
  failedAttempts: z.number().int(),
});

const Verdict = z.union([
  z.object({
    kind: z.literal("flaky"),
    text: z.string(),
    failures: z.number().int(),
    restartsPassed: z.number().int(),
  }),
  z.object({
    kind: z.literal("consistent"),
    text: z.string(),
    firstBad: z.object(EvalPoint),
    lastGood: z.object(EvalPoint).nullable(),
  }),
  z.object({ kind: z.enum(["passing", "pending", "unknown"]), text: z.string() }),
]);

const FirstBadRange = z.object({
  base: z.string(),
  head: z.string(),
  compareUrl: z.string(),
  commits: z
    .array(
      z.object({
        sha: z.string(),
        url: z.string(),
        pulls: z.array(z.object({ number: z.number().int(), title: z.string(), url: z.string() })),
      }),
    )
    .nullable(),
  total: z.number().int().nullable(),
  pullsUnknown: z.number().int(),
  note: z.string().nullable(),
});

/** Why each failed constituent fails: flaky or consistent since an eval, and what came in then. */
export const UnblockReportJson = z.object({
  channel: z.string(),
  evalId: z.number().int(),
  gateBuildId: z.number().int(),
  window: z.number().int(),
  computedAt: Instant,
  constituents: z.array(
    z.object({
      job: z.string(),
      system: z.string(),
      buildId: z.number().int(),
      url: z.string(),
      strip: z.string(),
      runs: z.array(ConstituentRun),
      evals: z.number().int(),
      failures: z.number().int(),
      restartsPassed: z.number().int(),
      flakiness: z.number(),
      verdict: Verdict,
      range: FirstBadRange.nullable(),
    }),
  ),
});

export const unblockReportDocumented: Exactly<
  z.infer<typeof UnblockReportJson>,
  UnblockReport
> = true;
