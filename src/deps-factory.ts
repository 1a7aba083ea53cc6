import { logNotifier } from "./alerts/notifier.ts";
import { slackNotifier } from "./alerts/slack-notifier.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config/config.ts";
import type { Db } from "./db/client.ts";
import type { Deps } from "./deps.ts";
import { createGitHubGitHost } from "./git/github-git-host.ts";
import { observeOnly } from "./git/observe-only.ts";
import { createHydraClient } from "./hydra/hydra-client.ts";
import type { Logger } from "./log.ts";
import type { BlobStore } from "./publish/blob-store.ts";

export const USER_AGENT =
  "floodgate/0.1 (+https://github.com/floodgate-nix/floodgate; Nix channel gatekeeper)";

/** What only the runtime can provide; everything else is built from the config. */
export interface RuntimeAdapters {
  db: Db;
  store: BlobStore;
  logger: Logger;
  /** Names this process or invocation in channel leases, e.g. `node-<uuid>`, `worker-<uuid>`. */
  owner: string;
}

/** Wires every port from the validated config; runtime-neutral, so Node and the Worker share it. */
export function makeDeps(
  config: Config,
  adapters: RuntimeAdapters,
  overrides: Partial<Deps> = {},
): Deps {
  const { db, store, logger, owner } = adapters;
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
    store,
    clock: systemClock,
    logger,
    notifier: config.slackWebhookUrl
      ? slackNotifier({ webhookUrl: config.slackWebhookUrl, publicUrl: config.publicUrl, logger })
      : logNotifier(logger),
    channels: config.channels,
    hydraUrl: config.hydraUrl,
    publicUrl: config.publicUrl,
    owner,
    ...overrides,
  };
}
