import { z } from "zod";
import type { SubscriptionPolicy } from "../alerts/subscriptions/create-subscription.ts";
import { type BranchGraph, graphOfSourceBranches } from "../domain/branch-graph.ts";
import { ConfigError } from "../errors.ts";
import { type AdminToken, AdminTokens } from "./admin-tokens.ts";
import { type AlertsSection, defaultAlertsSection } from "./alert-settings.ts";
import { type ChannelSpec, ChannelsFile } from "./channels-file.ts";

// Unset and empty mean the same thing for env vars (a blank line in a .env file must not become a value).
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

// Decimal digits only: `z.coerce.number()` would also take "1e3", "0x50" and " ".
const Count = (what: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `expected ${what} (a whole number)`)
    .transform(Number);
// A header name as HTTP defines a token; lower-cased because Hono reads headers case-insensitively.
const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "expected an HTTP header name")
  .transform((h) => h.toLowerCase());

const Port = z
  .string()
  .regex(/^\d{1,5}$/, "expected a TCP port (0-65535, decimal digits)")
  .transform(Number)
  .refine((port) => port <= 65535, "expected a TCP port (0-65535, decimal digits)");
// Decimal only, and no slower than one request per 100 s: "1e-9" would stall every tick for years.
const RequestsPerSecond = z
  .string()
  .regex(/^\d{1,4}(\.\d{1,3})?$/, "expected requests per second, e.g. 2 or 0.5")
  .transform(Number)
  .refine((rps) => rps >= 0.01, "expected requests per second of at least 0.01");

const HttpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });

/** The environment, keyed by the public variable names (DESIGN.md "Runtime contract"). */
const Env = z.object({
  DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL"),
  ),
  FLOODGATE_DATA_DIR: optional(z.string()),
  FLOODGATE_STORAGE: optional(
    z
      .string()
      .regex(
        /^(file:\/\/.+|s3:\/\/[^/]+(\/.*)?)$/,
        "expected file://<path> or s3://<bucket>[/<prefix>]",
      ),
  ),
  FLOODGATE_CHANNELS: optional(z.string()),
  FLOODGATE_HYDRA_URL: optional(HttpUrl),
  FLOODGATE_BINARY_CACHE_URL: optional(HttpUrl),
  FLOODGATE_HYDRA_RPS: optional(RequestsPerSecond),
  FLOODGATE_BINARY_CACHE_RPS: optional(RequestsPerSecond),
  FLOODGATE_GITHUB_API_URL: optional(HttpUrl),
  FLOODGATE_REPO: optional(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/name"')),
  GITHUB_TOKEN: optional(z.string()),
  FLOODGATE_PUBLIC_URL: optional(HttpUrl),
  FLOODGATE_ADMIN_TOKEN: optional(AdminTokens),
  SLACK_WEBHOOK_URL: optional(HttpUrl),
  FLOODGATE_WEBHOOK_URL: optional(HttpUrl),
  FLOODGATE_WEBHOOK_SECRET: optional(z.string().min(8, "expected at least 8 characters")),
  FLOODGATE_SCHEDULER: optional(z.enum(["on", "off"], { error: 'expected "on" or "off"' })),
  PORT: optional(Port),
  HOST: optional(z.string().min(1)),
  S3_ENDPOINT: optional(HttpUrl),
  S3_FORCE_PATH_STYLE: optional(z.enum(["true", "false"], { error: 'expected "true" or "false"' })),
  AWS_ACCESS_KEY_ID: optional(z.string()),
  AWS_SECRET_ACCESS_KEY: optional(z.string()),
  AWS_SESSION_TOKEN: optional(z.string()),
  AWS_REGION: optional(
    z.string().regex(/^[a-z0-9-]+$/, 'expected a region such as "us-east-1" or "auto"'),
  ),
  FLOODGATE_KEEP_RELEASES: optional(
    z
      .string()
      .regex(/^(all|[1-9]\d{0,8})$/, 'expected a whole number ≥ 1 or "all"')
      .transform((v) => (v === "all" ? ("all" as const) : Number(v))),
  ),

  FLOODGATE_LOOKUP_GITHUB_BUDGET: optional(Count("GitHub requests per hour")),
  FLOODGATE_LOOKUP_GITHUB_RESERVE: optional(Count("a number of GitHub requests")),
  FLOODGATE_LOOKUP_CLIENT_PER_MINUTE: optional(Count("lookups per minute")),
  FLOODGATE_LOOKUP_CLIENT_IP_HEADER: optional(HeaderName),
  FLOODGATE_LOOKUP_NEGATIVE_TTL_SECONDS: optional(Count("seconds")),
  FLOODGATE_LOOKUP_CACHE_SIZE: optional(Count("a number of entries")),
  /** Test-only: subscriptions may deliver to loopback addresses and over http. */
  FLOODGATE_SUBSCRIPTION_ALLOW_LOOPBACK: optional(
    z.enum(["0", "1"], { error: 'expected "0" or "1"' }),
  ),
  FLOODGATE_SUBSCRIPTIONS_PER_CLIENT_HOUR: optional(Count("subscriptions per hour")),
  FLOODGATE_SUBSCRIPTIONS_PER_TARGET: optional(Count("a number of subscriptions")),
  FLOODGATE_DOWNLOAD_DEADLINE_SECONDS: optional(
    Count("seconds").refine((s) => s >= 1, "expected seconds >= 1"),
  ),
  FLOODGATE_LEASE_SECONDS: optional(z.coerce.number().int().min(1, "expected seconds >= 1")),
  FLOODGATE_STEP_MAX_ATTEMPTS: optional(z.coerce.number().int().min(1, "expected attempts >= 1")),
  FLOODGATE_STEP_BACKOFF_SECONDS: optional(z.coerce.number().min(0, "expected seconds >= 0")),
});

/** What "has my PR landed?" lookups may spend; the tick is never limited by it. */
export interface LookupLimits {
  /** GitHub requests lookups may make per hour, all clients together. */
  githubPerHour: number;
  /** Lookups stop asking GitHub while its remaining rate limit is this low: the tick's share. */
  githubReserve: number;
  /** Lookups per minute from one client (an IPv4 address or an IPv6 /64). */
  clientPerMinute: number;
  /** A header set by a trusted proxy naming the client (its last address counts); unset → the connection. */
  clientIpHeader?: string;
  /** How long an unknown sha or PR number is answered 404 without asking GitHub again. */
  negativeTtlSeconds: number;
  /** Entries kept in the lookups' in-memory caches (answers, per-client allowances). */
  cacheSize: number;
}

/** How to reach an S3-compatible bucket from Node (on Workers, s3:// is the R2 binding instead). */
export interface S3Settings {
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  forcePathStyle?: boolean;
}

/** How long one product download (from the first request to the last byte stored) may take. */
export const DEFAULT_DOWNLOAD_DEADLINE_SECONDS = 1800;

/** Published releases kept per channel by default, besides the current and pinned ones. */
export const DEFAULT_KEEP_RELEASES = 30;

export type Storage =
  | { kind: "file"; dir: string }
  | { kind: "s3"; bucket: string; prefix: string };

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  storage: Storage;
  channelsFile?: string;
  channels: ChannelSpec[];
  /** Where changes flow, from the channels file's `graph` or each channel's source branch. */
  branchGraph: BranchGraph;
  hydraUrl: string;
  binaryCacheUrl: string;
  /** Overall deadline of each product download (FLOODGATE_DOWNLOAD_DEADLINE_SECONDS). */
  downloadDeadlineMs: number;
  hydraRequestsPerSecond: number;
  /** Pace of `.ls` listing requests for programs.sqlite (cache.nixos.org is a CDN; be polite anyway). */
  binaryCacheRequestsPerSecond: number;
  githubApiUrl: string;
  repo: string;
  githubToken?: string;
  publicUrl: string;
  /** Empty: the admin API is off. */
  adminTokens: AdminToken[];
  slackWebhookUrl?: string;
  /** A generic JSON webhook for alerts, signed with HMAC-SHA256 when a secret is set. */
  webhook?: { url: string; secret?: string };
  /** The channels file's `alerts` section: thresholds, cooldown and routes to targets. */
  alerts: AlertsSection;
  scheduler: boolean;
  port: number;
  host: string;
  s3Endpoint?: string;
  s3: S3Settings;
  /** Published releases retention keeps per channel; null keeps every release. */
  keepReleases: number | null;
  lookups: LookupLimits;
  /** The channel lease, its renewal while a step runs, and how failing release steps retry. */
  gate: GatePolicy;
  /** Who may subscribe how often, and (test-only) whether loopback URLs are let through. */
  subscriptions: SubscriptionPolicy;
}

export interface GatePolicy {
  /** A lease not renewed for this long is free: a crashed owner is detected after it. */
  leaseMs: number;
  /** How often a running tick renews its lease (wall time). */
  renewEveryMs: number;
  /** Failed tries of one release step before the release stops as `failed`. */
  stepMaxAttempts: number;
  /** Wait after the second failed try; doubles with each further one. */
  stepBackoffMs: number;
}

function describeIssues(error: z.ZodError, prefix: (path: PropertyKey[]) => string): string {
  return error.issues.map((i) => `${prefix(i.path)}: ${i.message}`).join("; ");
}

export function parseChannelsFile(raw: unknown, source: string): ChannelSpec[] {
  return parseWholeChannelsFile(raw, source).channels;
}

function parseWholeChannelsFile(raw: unknown, source: string): ChannelsFile {
  const parsed = ChannelsFile.safeParse(raw);
  if (!parsed.success) {
    const where = (path: PropertyKey[]) =>
      `channels file ${source}, key ${path.join(".") || "(root)"}`;
    throw new ConfigError(describeIssues(parsed.error, where), { source });
  }
  return parsed.data;
}

/** A route may only name a target whose URL is set, or its alerts would silently go nowhere. */
function checkAlertRoutes(
  alerts: AlertsSection,
  configured: Record<string, boolean>,
  source: string,
) {
  alerts.routes?.forEach((route, i) => {
    for (const target of route.targets) {
      if (configured[target]) continue;
      const variable = target === "slack" ? "SLACK_WEBHOOK_URL" : "FLOODGATE_WEBHOOK_URL";
      throw new ConfigError(
        `channels file ${source}, key alerts.routes.${i}.targets: "${target}" needs ${variable}`,
        { source },
      );
    }
  });
}

/** Pure: env record + the channels file's parsed JSON → the one validated Config, or a ConfigError. */
export function parseConfig(
  env: Record<string, string | undefined>,
  channelsJson: { raw: unknown; source: string },
): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(describeIssues(parsed.error, (p) => `${String(p[0])}`));
  }
  const e = parsed.data;
  const dataDir = (e.FLOODGATE_DATA_DIR ?? "./.floodgate").replace(/\/+$/, "");
  const port = e.PORT ?? 3000;
  const file = parseWholeChannelsFile(channelsJson.raw, channelsJson.source);
  const alerts = file.alerts ?? defaultAlertsSection;
  checkAlertRoutes(
    alerts,
    { slack: Boolean(e.SLACK_WEBHOOK_URL), webhook: Boolean(e.FLOODGATE_WEBHOOK_URL) },
    channelsJson.source,
  );
  if (e.FLOODGATE_WEBHOOK_SECRET && !e.FLOODGATE_WEBHOOK_URL) {
    throw new ConfigError("FLOODGATE_WEBHOOK_SECRET: set without FLOODGATE_WEBHOOK_URL");
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    storage: parseStorage(e.FLOODGATE_STORAGE ?? `file://${dataDir}/releases`),
    channelsFile: e.FLOODGATE_CHANNELS,
    channels: file.channels,
    branchGraph: file.graph ?? graphOfSourceBranches(file.channels),
    hydraUrl: (e.FLOODGATE_HYDRA_URL ?? "https://hydra.nixos.org").replace(/\/+$/, ""),
    binaryCacheUrl: (e.FLOODGATE_BINARY_CACHE_URL ?? "https://cache.nixos.org").replace(/\/+$/, ""),
    downloadDeadlineMs:
      (e.FLOODGATE_DOWNLOAD_DEADLINE_SECONDS ?? DEFAULT_DOWNLOAD_DEADLINE_SECONDS) * 1000,
    hydraRequestsPerSecond: e.FLOODGATE_HYDRA_RPS ?? 2,
    binaryCacheRequestsPerSecond: e.FLOODGATE_BINARY_CACHE_RPS ?? 100,
    githubApiUrl: (e.FLOODGATE_GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    repo: e.FLOODGATE_REPO ?? "NixOS/nixpkgs",
    githubToken: e.GITHUB_TOKEN,
    publicUrl: (e.FLOODGATE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
    adminTokens: e.FLOODGATE_ADMIN_TOKEN ?? [],
    slackWebhookUrl: e.SLACK_WEBHOOK_URL,
    webhook: e.FLOODGATE_WEBHOOK_URL
      ? { url: e.FLOODGATE_WEBHOOK_URL, secret: e.FLOODGATE_WEBHOOK_SECRET }
      : undefined,
    alerts,
    scheduler: (e.FLOODGATE_SCHEDULER ?? "on") === "on",
    port,
    host: e.HOST ?? "0.0.0.0",
    s3Endpoint: e.S3_ENDPOINT,
    s3: {
      endpoint: e.S3_ENDPOINT,
      // R2 takes "auto"; AWS needs the bucket's region for SigV4.
      region:
        e.AWS_REGION ??
        (e.S3_ENDPOINT?.includes(".r2.cloudflarestorage.com") ? "auto" : "us-east-1"),
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
      sessionToken: e.AWS_SESSION_TOKEN,
      forcePathStyle:
        e.S3_FORCE_PATH_STYLE === undefined ? undefined : e.S3_FORCE_PATH_STYLE === "true",
    },
    keepReleases:
      e.FLOODGATE_KEEP_RELEASES === "all"
        ? null
        : (e.FLOODGATE_KEEP_RELEASES ?? DEFAULT_KEEP_RELEASES),
    lookups: {
      githubPerHour: e.FLOODGATE_LOOKUP_GITHUB_BUDGET ?? 1500,
      githubReserve: e.FLOODGATE_LOOKUP_GITHUB_RESERVE ?? 1000,
      clientPerMinute: e.FLOODGATE_LOOKUP_CLIENT_PER_MINUTE ?? 30,
      clientIpHeader: e.FLOODGATE_LOOKUP_CLIENT_IP_HEADER,
      negativeTtlSeconds: e.FLOODGATE_LOOKUP_NEGATIVE_TTL_SECONDS ?? 600,
      cacheSize: e.FLOODGATE_LOOKUP_CACHE_SIZE ?? 10_000,
    },
    gate: gatePolicy(e),
    subscriptions: {
      allowLoopback: e.FLOODGATE_SUBSCRIPTION_ALLOW_LOOPBACK === "1",
      perClientPerHour: e.FLOODGATE_SUBSCRIPTIONS_PER_CLIENT_HOUR ?? 10,
      perTarget: e.FLOODGATE_SUBSCRIPTIONS_PER_TARGET ?? 20,
    },
  };
}

function gatePolicy(e: z.infer<typeof Env>): GatePolicy {
  const leaseMs = (e.FLOODGATE_LEASE_SECONDS ?? 60) * 1000;
  return {
    leaseMs,
    // Three renewals fit in one lease, so one slow database round trip does not lose it.
    renewEveryMs: Math.max(50, Math.floor(leaseMs / 4)),
    stepMaxAttempts: e.FLOODGATE_STEP_MAX_ATTEMPTS ?? 5,
    stepBackoffMs: (e.FLOODGATE_STEP_BACKOFF_SECONDS ?? 300) * 1000,
  };
}

function parseStorage(value: string): Storage {
  if (value.startsWith("file://")) return { kind: "file", dir: value.slice("file://".length) };
  const [bucket = "", ...rest] = value.slice("s3://".length).split("/");
  return { kind: "s3", bucket, prefix: rest.join("/").replace(/\/+$/, "") };
}
