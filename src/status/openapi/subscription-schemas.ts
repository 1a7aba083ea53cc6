import { z } from "zod";
import type { Created } from "../../alerts/subscriptions/create-subscription.ts";
import type { subscriptionView } from "../../alerts/subscriptions/subscription-store.ts";
import { alertKinds, subscriptionDeliveries, subscriptionKinds } from "../../db/schema.ts";
import type { Exactly } from "./documented.ts";

// Subscriptions (`/api/v1/subscriptions`) as the OpenAPI document describes them.

const Instant = z.iso.datetime();

export const CreatedSubscriptionJson = z.object({
  /** The subscription's only key: keep it (GET and DELETE use it). */
  token: z.string(),
  /** The webhook's HMAC key, shown once. */
  secret: z.string().nullable(),
  manageUrl: z.string(),
  feedUrl: z.string().nullable(),
  channels: z.array(z.string()),
  reached: z.array(z.string()),
});

export const SubscriptionJson = z.object({
  kind: z.enum(subscriptionKinds),
  subject: z.string(),
  branch: z.string().nullable(),
  channels: z.array(z.string()),
  reached: z.array(z.string()),
  delivery: z.enum(subscriptionDeliveries),
  host: z.string().nullable(),
  createdAt: Instant,
  endedAt: Instant.nullable(),
  endReason: z.string().nullable(),
  notices: z.array(
    z.object({
      id: z.number().int(),
      kind: z.enum(alertKinds),
      channel: z.string(),
      summary: z.string(),
      state: z.enum(["pending", "sent", "failed"]),
      createdAt: Instant,
    }),
  ),
});

export const createdSubscriptionDocumented: Exactly<
  z.infer<typeof CreatedSubscriptionJson>,
  Created
> = true;
export const subscriptionDocumented: Exactly<
  z.infer<typeof SubscriptionJson>,
  ReturnType<typeof subscriptionView>
> = true;
