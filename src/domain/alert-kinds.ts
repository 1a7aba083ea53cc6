/** What the tick and the operator alert about; the channels file's alert routes name these. */
export const operatorAlertKinds = [
  "advanced",
  "blocked",
  "stuck",
  "pipeline-failed",
  "recovered",
  "digest",
  "admin",
] as const;

/** Every alert kind in the outbox: the operator's, and `landed`, which only subscriptions receive. */
export const alertKinds = [...operatorAlertKinds, "landed"] as const;
export type AlertKind = (typeof alertKinds)[number];
