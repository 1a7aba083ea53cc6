import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { Hono } from "hono";
import { logNotifier } from "../alerts/notifier.ts";
import { createApp } from "../app.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config/config.ts";
import type { DbHandle } from "../db/client.ts";
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

/** Builds every port from the validated config: the one place Node-side wiring happens. */
export async function openRuntime(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<Runtime> {
  if (config.storage.kind !== "file") {
    throw new ConfigError(
      "FLOODGATE_STORAGE: s3:// storage is not available in this build yet; use file://",
    );
  }
  const handle: DbHandle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: resolve(config.dataDir),
  });
  const store = createFsStore(resolve(config.storage.dir));
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
  const git = config.githubToken ? github : observeOnly(github, logger);
  const deps: Deps = {
    db: handle.db,
    hydra,
    git,
    store,
    clock,
    logger,
    notifier: logNotifier(logger),
    channels: config.channels,
    hydraUrl: config.hydraUrl,
    publicUrl: config.publicUrl,
    owner: `node-${randomUUID()}`,
  };
  const app = createApp({ ...deps, publicUrl: config.publicUrl });
  return { config, deps, app, close: () => handle.close() };
}
