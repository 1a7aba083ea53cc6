import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { SubscriptionRequest } from "../../alerts/subscriptions/create-subscription.ts";
import { AdminInputs } from "../../channels/admin-inputs.ts";
import { adminActions } from "../../db/schema.ts";
import { ChannelLag, LagQuery } from "../lag/lag-schema.ts";
import { ReleaseListQuery, ReleasePage } from "../release-list/release-list-schema.ts";
import { AlertQuery } from "../routes/alert-routes.ts";
import { ChannelDetailJson, ChannelListJson, ChannelStatusJson } from "./channel-schemas.ts";
import { CommitReportJson, PullReportJson } from "./landing-schemas.ts";
import { AdminResultJson, AlertListJson, AuditListJson, ErrorJson } from "./record-schemas.ts";
import { CreatedSubscriptionJson, SubscriptionJson } from "./subscription-schemas.ts";
import { UnblockReportJson } from "./unblock-schemas.ts";

// Every `/api/v1` route as the OpenAPI document lists it. The handlers stay plain Hono routes
// (their errors go through app.ts `onError`); test/integration/openapi.test.ts walks the app's
// routes so one missing here fails, and checks real answers against these schemas.

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const failure = (description: string) => json(ErrorJson, description);
const ChannelParam = z.object({
  channel: z.string().min(1).meta({ description: "A channel name, e.g. nixos-unstable" }),
});
const TokenParam = z.object({ token: z.string().min(1) });
const unknownChannel = { 404: failure("No such channel") };

const publicRoutes: RouteConfig[] = [
  createRoute({
    method: "get",
    path: "/api/v1/channels",
    summary: "Every channel: its release, ages, state and why it is blocked",
    responses: { 200: json(ChannelListJson, "The channels, in the channels file's order") },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/channels/{channel}",
    summary: "One channel: status, funnel, recent releases, events, alerts, audit, job strip",
    request: { params: ChannelParam },
    responses: { 200: json(ChannelDetailJson, "The channel"), ...unknownChannel },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/channels/{channel}/lag",
    summary: "The channel's lag now and over `days` days (revision age, behind, latency)",
    request: { params: ChannelParam, query: LagQuery },
    responses: {
      200: json(ChannelLag, "The lag series"),
      400: failure("`days` out of range"),
      ...unknownChannel,
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/channels/{channel}/releases",
    summary: "Every release of the channel, newest first, paged by the `next` cursor",
    request: {
      params: ChannelParam,
      query: z.object({
        limit: ReleaseListQuery.shape.limit,
        before: z
          .string()
          .regex(/^\d{1,15}-\d{1,10}$/)
          .optional()
          .meta({ description: "The previous page's `next` cursor" }),
      }),
    },
    responses: {
      200: json(ReleasePage, "A page of releases"),
      400: failure("Bad `limit` or `before`"),
      ...unknownChannel,
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/channels/{channel}/audit",
    summary: "The channel's admin actions, newest first (token labels, never tokens)",
    request: { params: ChannelParam },
    responses: { 200: json(AuditListJson, "The audit log"), ...unknownChannel },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/alerts",
    summary: "Alerts sent, pending or failed, newest first, paged by `next`",
    request: { query: AlertQuery },
    responses: {
      200: json(AlertListJson, "A page of alerts"),
      400: failure("Bad query"),
      404: failure("No such channel"),
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/commits/{sha}",
    summary: "Which channels a commit (a sha or a prefix of 7+ hex digits) has reached",
    request: { params: z.object({ sha: z.string().regex(/^[0-9a-fA-F]{7,40}$/) }) },
    responses: {
      200: json(CommitReportJson, "The commit, its PRs and each channel's landing"),
      400: failure("Not a sha"),
      404: failure("No such commit"),
      429: failure("Too many lookups from this client (see Retry-After)"),
      503: failure("GitHub is unavailable or its budget is spent (see Retry-After)"),
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/prs/{number}",
    summary: "Which channels a pull request's merge commit has reached",
    request: { params: z.object({ number: z.string().regex(/^#?[1-9][0-9]{0,9}$/) }) },
    responses: {
      200: json(PullReportJson, "The pull request and each channel's landing"),
      400: failure("Not a pull request number"),
      404: failure("No such pull request"),
      429: failure("Too many lookups from this client (see Retry-After)"),
      503: failure("GitHub is unavailable or its budget is spent (see Retry-After)"),
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/channels/{channel}/unblock",
    summary: "Why the failed constituents blocking the channel fail (flaky or since which eval)",
    request: { params: ChannelParam },
    responses: {
      200: json(
        z.object({
          channel: z.string(),
          state: ChannelStatusJson.shape.state,
          unblock: UnblockReportJson.nullable(),
        }),
        "The unblock report; null unless failed constituents block the channel",
      ),
      ...unknownChannel,
    },
  }),
  createRoute({
    method: "post",
    path: "/api/v1/subscriptions",
    summary: "Be told when a PR, a commit or a channel moves (webhook, Slack or a private feed)",
    request: {
      body: {
        content: { "application/json": { schema: SubscriptionRequest } },
        required: true,
      },
    },
    responses: {
      201: json(CreatedSubscriptionJson, "Created; keep the token (and the webhook secret)"),
      400: failure("Bad body"),
      404: failure("No such PR, commit or channel"),
      413: failure("Body over 16 KiB"),
      429: failure("Too many subscriptions from this client (see Retry-After)"),
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/subscriptions/{token}",
    summary: "A subscription and its newest notices",
    request: { params: TokenParam },
    responses: { 200: json(SubscriptionJson, "The subscription"), 404: failure("No such token") },
  }),
  createRoute({
    method: "delete",
    path: "/api/v1/subscriptions/{token}",
    summary: "Cancel a subscription: nothing more is sent",
    request: { params: TokenParam },
    responses: {
      200: json(SubscriptionJson, "The cancelled subscription"),
      404: failure("No such token"),
    },
  }),
  createRoute({
    method: "get",
    path: "/api/v1/openapi.json",
    summary: "This document",
    responses: {
      200: {
        content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        description: "OpenAPI 3.1",
      },
    },
  }),
];

const ADMIN_SUMMARIES: Record<(typeof adminActions)[number], string> = {
  freeze: "Stop the channel advancing",
  unfreeze: "Let the channel advance again",
  pin: "Serve a published release and hold the channel there",
  unpin: "Serve the newest release again",
  retry: "Restart a failed release step",
  accept: "Let an eval through despite the named failing constituents",
};

/** The admin POSTs (mounted only when FLOODGATE_ADMIN_TOKEN is set; 404 otherwise). */
const adminRoutes: RouteConfig[] = adminActions.map((action) =>
  createRoute({
    method: "post",
    path: `/api/v1/channels/{channel}/${action}`,
    summary: ADMIN_SUMMARIES[action],
    tags: ["admin"],
    security: [{ adminToken: [] }],
    request: {
      params: ChannelParam,
      body: { content: { "application/json": { schema: AdminInputs[action] } }, required: false },
    },
    responses: {
      200: json(AdminResultJson, "What the action did (also written to the audit log)"),
      400: failure("Bad body"),
      401: failure("No valid admin bearer token"),
      404: failure("No such channel, or the admin API is off"),
      409: failure("The action does not apply now"),
      413: failure("Body over 16 KiB"),
    },
  }),
);

export const apiRoutes: RouteConfig[] = [...publicRoutes, ...adminRoutes];
