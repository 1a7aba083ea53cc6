import { z } from "zod";
import type { AdminResult } from "../../channels/admin-action.ts";
import { adminActions } from "../../db/schema.ts";
import type { AlertView } from "../read-model/alert-view.ts";
import type { AuditEntry } from "../read-model/audit-entries.ts";
import type { Exactly } from "./documented.ts";

// Alerts, the audit log, admin actions' answers and the error body, as the OpenAPI document
// describes them; the `Exactly` checks keep each equal to the type its route returns.

const Instant = z.iso.datetime();
const Details = z.record(z.string(), z.unknown());
const DeliveryState = z.enum(["pending", "sent", "failed"]);

export const AlertViewJson = z.object({
  id: z.number().int(),
  channel: z.string(),
  kind: z.string(),
  summary: z.string(),
  state: DeliveryState,
  attempts: z.number().int(),
  createdAt: Instant,
  deliveredAt: Instant.nullable(),
  nextAttemptAt: Instant.nullable(),
  /** By target (`slack`, `webhook`): how its delivery went. */
  deliveries: z.record(
    z.string(),
    z.object({
      state: DeliveryState,
      attempts: z.number().int(),
      status: z.number().int().optional(),
      error: z.string().optional(),
      at: Instant.optional(),
    }),
  ),
  data: Details,
});

export const AlertListJson = z.object({
  alerts: z.array(AlertViewJson),
  /** The next (older) page, when this one is full. */
  next: z.string().optional(),
});

export const AuditEntryJson = z.object({
  at: Instant,
  action: z.string(),
  channel: z.string(),
  reason: z.string().nullable(),
  details: Details,
  actor: z.string(),
  via: z.string(),
});

export const AuditListJson = z.object({ channel: z.string(), entries: z.array(AuditEntryJson) });

export const AdminResultJson = z.object({
  channel: z.string(),
  action: z.enum(adminActions),
  at: Instant,
  reason: z.string().nullable(),
  details: Details,
  actor: z.string(),
});

/** Every 4xx and 5xx answer of the API (app.ts `onError`). */
export const ErrorJson = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string().optional(),
    /** 429 and 503: when to try again. */
    retryAfterSeconds: z.number().int().optional(),
  }),
});

export const alertViewDocumented: Exactly<z.infer<typeof AlertViewJson>, AlertView> = true;
export const auditEntryDocumented: Exactly<z.infer<typeof AuditEntryJson>, AuditEntry> = true;
export const adminResultDocumented: Exactly<z.infer<typeof AdminResultJson>, AdminResult> = true;
