import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { type ChannelSpec, ChannelsFile } from "./channels-file.ts";

// Unset and empty mean the same thing for env vars (a blank line in a .env file must not become a value).
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

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
  FLOODGATE_HYDRA_RPS: optional(z.coerce.number().positive("expected requests per second > 0")),
  FLOODGATE_GITHUB_API_URL: optional(HttpUrl),
  FLOODGATE_REPO: optional(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/name"')),
  GITHUB_TOKEN: optional(z.string()),
  FLOODGATE_PUBLIC_URL: optional(HttpUrl),
  FLOODGATE_ADMIN_TOKEN: optional(z.string().min(16, "expected at least 16 characters")),
  SLACK_WEBHOOK_URL: optional(HttpUrl),
  FLOODGATE_SCHEDULER: optional(z.enum(["on", "off"], { error: 'expected "on" or "off"' })),
  PORT: optional(z.coerce.number().int().min(0).max(65535, "expected a TCP port")),
  HOST: optional(z.string().min(1)),
  S3_ENDPOINT: optional(HttpUrl),
});

export type Storage =
  | { kind: "file"; dir: string }
  | { kind: "s3"; bucket: string; prefix: string };

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  storage: Storage;
  channelsFile?: string;
  channels: ChannelSpec[];
  hydraUrl: string;
  hydraRequestsPerSecond: number;
  githubApiUrl: string;
  repo: string;
  githubToken?: string;
  publicUrl: string;
  adminToken?: string;
  slackWebhookUrl?: string;
  scheduler: boolean;
  port: number;
  host: string;
  s3Endpoint?: string;
}

function describeIssues(error: z.ZodError, prefix: (path: PropertyKey[]) => string): string {
  return error.issues.map((i) => `${prefix(i.path)}: ${i.message}`).join("; ");
}

export function parseChannelsFile(raw: unknown, source: string): ChannelSpec[] {
  const parsed = ChannelsFile.safeParse(raw);
  if (!parsed.success) {
    const where = (path: PropertyKey[]) =>
      `channels file ${source}, key ${path.join(".") || "(root)"}`;
    throw new ConfigError(describeIssues(parsed.error, where), { source });
  }
  return parsed.data.channels;
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
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    storage: parseStorage(e.FLOODGATE_STORAGE ?? `file://${dataDir}/releases`),
    channelsFile: e.FLOODGATE_CHANNELS,
    channels: parseChannelsFile(channelsJson.raw, channelsJson.source),
    hydraUrl: (e.FLOODGATE_HYDRA_URL ?? "https://hydra.nixos.org").replace(/\/+$/, ""),
    hydraRequestsPerSecond: e.FLOODGATE_HYDRA_RPS ?? 2,
    githubApiUrl: (e.FLOODGATE_GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    repo: e.FLOODGATE_REPO ?? "NixOS/nixpkgs",
    githubToken: e.GITHUB_TOKEN,
    publicUrl: (e.FLOODGATE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
    adminToken: e.FLOODGATE_ADMIN_TOKEN,
    slackWebhookUrl: e.SLACK_WEBHOOK_URL,
    scheduler: (e.FLOODGATE_SCHEDULER ?? "on") === "on",
    port,
    host: e.HOST ?? "0.0.0.0",
    s3Endpoint: e.S3_ENDPOINT,
  };
}

function parseStorage(value: string): Storage {
  if (value.startsWith("file://")) return { kind: "file", dir: value.slice("file://".length) };
  const [bucket = "", ...rest] = value.slice("s3://".length).split("/");
  return { kind: "s3", bucket, prefix: rest.join("/").replace(/\/+$/, "") };
}
