import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { Hono } from "hono";
import { logNotifier } from "../alerts/notifier.ts";
import { slackNotifier } from "../alerts/slack-notifier.ts";
import { createApp } from "../app.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config/config.ts";
import type { Db, DbHandle } from "../db/client.ts";
import { openDatabase } from "../db/open-db.node.ts";
import type { Deps } from "../deps.ts";
import { ConfigError } from "../errors.ts";
import { createGitHubGitHost } from "../git/github-git-host.ts";
import { observeOnly } from "../git/observe-only.ts";
import { createHydraClient } from "../hydra/hydra-client.ts";
import type { Logger } from "../log.ts";
import { createFsStore } from "../publish/fs-store.node.ts";

export const USER_AGENT =
  "floodgate/0.1 (+https://github.com/floodgate-nix/floodgate; Nix channel gatekeeper)";

export interface Runtime {
  config: Config;
  deps: Deps;
  app: Hono;
  close(): Promise<void>;
}

/** Builds every port from the validated config around an open database. */
export function createDeps(
  config: Config,
  db: Db,
  logger: Logger,
  overrides: Partial<Deps> = {},
): Deps {
  if (config.storage.kind !== "file") {
    throw new ConfigError(
      "FLOODGATE_STORAGE: s3:// storage is not available in this build yet; use file://",
    );
  }
  const hydra = createHydraClient({
    baseUrl: config.hydraUrl,
    userAgent: USER_AGENT,
    requestsPerSecond: config.hydraRequestsPerSecond,
    logger: logger.child({ upstream: "hydra" }),
  });
  const github = createGitHubGitHost({
    baseUrl: config.githubApiUrl,
    repo: config.repo,
    token: config.githubToken,
    userAgent: USER_AGENT,
    logger: logger.child({ upstream: "github" }),
  });
  return {
    db,
    hydra,
    git: config.githubToken ? github : observeOnly(github, logger),
    store: createFsStore(resolve(config.storage.dir)),
    clock: systemClock,
    logger,
    notifier: config.slackWebhookUrl
      ? slackNotifier({ webhookUrl: config.slackWebhookUrl, publicUrl: config.publicUrl, logger })
      : logNotifier(logger),
    channels: config.channels,
    hydraUrl: config.hydraUrl,
    publicUrl: config.publicUrl,
    owner: `node-${randomUUID()}`,
    ...overrides,
  };
}

/** Opens (and migrates) the database, then wires the ports and the HTTP app. */
export async function openRuntime(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<Runtime> {
  const handle: DbHandle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: resolve(config.dataDir),
  });
  try {
    const deps = createDeps(config, handle.db, logger, { clock });
    return { config, deps, app: createApp(deps), close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
