import { z } from "zod";
import { operatorAlertKinds } from "../domain/alert-kinds.ts";

export const alertTargetNames = ["slack", "webhook"] as const;
export type AlertTargetName = (typeof alertTargetNames)[number];

const Hours = z.number().positive("expected hours > 0");

/** Per channel, in its channels-file entry: `"alerts": { "stuckAfterHours": 48 }`. */
export const ChannelAlertSettings = z
  .object({
    /** Update age that counts as stuck; default by lifecycle (rolling 72 h, beta/stable 168 h). */
    stuckAfterHours: Hours.nullable().optional(),
    pipelineFailedAfter: z.number().int().min(1).optional(),
    cooldownHours: Hours.optional(),
  })
  .strict();
export type ChannelAlertSettings = z.infer<typeof ChannelAlertSettings>;

/** One routing rule: alerts of these channels and kinds (all when omitted) go to these targets. */
const AlertRoute = z
  .object({
    channels: z.array(z.string().min(1)).optional(),
    kinds: z.array(z.enum(operatorAlertKinds)).optional(),
    targets: z.array(z.enum(alertTargetNames)).min(1, "expected at least one target"),
  })
  .strict();
export type AlertRoute = z.infer<typeof AlertRoute>;

/** The channels file's top-level `"alerts"`: defaults for every channel and the routes. */
export const AlertsSection = z
  .object({
    cooldownHours: Hours.default(12),
    pipelineFailedAfter: z.number().int().min(1).default(3),
    digestEveryHours: Hours.default(24),
    routes: z.array(AlertRoute).optional(),
  })
  .strict();
export type AlertsSection = z.infer<typeof AlertsSection>;

export const defaultAlertsSection: AlertsSection = AlertsSection.parse({});

const HOUR_MS = 3_600_000;
const STUCK_HOURS_BY_STATUS: Record<string, number | null> = {
  rolling: 72,
  beta: 168,
  stable: 168,
  deprecated: null,
  unmaintained: null,
};

/** The rules' thresholds for one channel, in milliseconds; null = never stuck. */
export interface AlertPolicy {
  cooldownMs: number;
  pipelineFailedAfter: number;
  digestEveryMs: number;
  stuckAfterMs: number | null;
}

export function alertPolicyFor(
  channel: { status: string; alerts?: ChannelAlertSettings },
  section: AlertsSection,
): AlertPolicy {
  const own = channel.alerts ?? {};
  const stuckHours =
    own.stuckAfterHours === undefined
      ? (STUCK_HOURS_BY_STATUS[channel.status] ?? null)
      : own.stuckAfterHours;
  return {
    cooldownMs: (own.cooldownHours ?? section.cooldownHours) * HOUR_MS,
    pipelineFailedAfter: own.pipelineFailedAfter ?? section.pipelineFailedAfter,
    digestEveryMs: section.digestEveryHours * HOUR_MS,
    stuckAfterMs: stuckHours === null ? null : stuckHours * HOUR_MS,
  };
}
