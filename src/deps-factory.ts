import type { AlertTarget } from "./alerts/notifier.ts";
import { slackTarget, webhookTarget } from "./alerts/targets.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config/config.ts";
import type { Db } from "./db/client.ts";
import { createDbUpstreamCache } from "./db/upstream-cache.ts";
import type { Deps } from "./deps.ts";
import { createGitHubIssueSource } from "./git/blocker-issues.ts";
import { createGitHubGitHost } from "./git/github-git-host.ts";
import { newestRateLimit } from "./git/lookup-budget.ts";
import { queuedLookupWrites } from "./git/lookup-writes.ts";
import { observeOnly } from "./git/observe-only.ts";
import { createHydraClient } from "./hydra/hydra-client.ts";
import { createSharedRateLimiter } from "./hydra/shared-rate-limiter.ts";
import type { Logger } from "./log.ts";
import { createBinaryCache } from "./publish/binary-cache.ts";
import type { BlobStore } from "./publish/blob-store.ts";
import { createLookupGuard } from "./status/landings/lookup-guard.ts";
import {
  createChannelChanges,
  notifyThroughDatabase,
} from "./status/read-model/channel-changes.ts";
import type { ConnectionAddress } from "./status/routes/client-address.ts";

export const USER_AGENT =
  "floodgate/0.1 (+https://github.com/floodgate-nix/floodgate; Nix channel gatekeeper)";

/** What only the runtime can provide; everything else is built from the config. */
export interface RuntimeAdapters {
  db: Db;
  store: BlobStore;
  logger: Logger;
  /** Names this process or invocation in channel leases, e.g. `node-<uuid>`, `worker-<uuid>`. */
  owner: string;
  connectionAddress?: ConnectionAddress;
}

function alertTargetsOf(config: Config): AlertTarget[] {
  const targets: AlertTarget[] = [];
  const links = {
    publicUrl: config.publicUrl,
    hydraUrl: config.hydraUrl,
    repoUrl: `https://github.com/${config.repo}`,
  };
  if (config.slackWebhookUrl)
    targets.push(slackTarget({ webhookUrl: config.slackWebhookUrl, links }));
  if (config.webhook)
    targets.push(webhookTarget({ ...config.webhook, publicUrl: config.publicUrl }));
  return targets;
}

/** Wires every port from the validated config; runtime-neutral, so Node and the Worker share it. */
export function makeDeps(
  config: Config,
  adapters: RuntimeAdapters,
  overrides: Partial<Deps> = {},
): Deps {
  const { db, store, logger, owner, connectionAddress } = adapters;
  const clock = overrides.clock ?? systemClock;
  const upstreamCache = overrides.upstreamCache ?? createDbUpstreamCache(db);
  const now = () => clock.now();
  const hydra = createHydraClient({
    baseUrl: config.hydraUrl,
    userAgent: USER_AGENT,
    // One pace for every process and Workers invocation (Hydra limits per client address).
    limiter: createSharedRateLimiter({
      db,
      name: `hydra ${config.hydraUrl}`,
      requestsPerSecond: config.hydraRequestsPerSecond,
    }),
    logger: logger.child({ upstream: "hydra" }),
  });
  const github = createGitHubGitHost({
    baseUrl: config.githubApiUrl,
    repo: config.repo,
    token: config.githubToken,
    userAgent: USER_AGENT,
    logger: logger.child({ upstream: "github" }),
    upstreamCache,
    now,
  });
  // Lookups get a client of their own: no retries and no waiting out a rate limit (a lookup
  // answers "try again later" instead), so one budgeted read is one GitHub request.
  const lookupGithub = createGitHubGitHost({
    baseUrl: config.githubApiUrl,
    repo: config.repo,
    token: config.githubToken,
    userAgent: USER_AGENT,
    logger: logger.child({ upstream: "github", for: "lookups" }),
    upstreamCache,
    now,
    retry: { attempts: 1, baseMs: 0 },
    rateLimit: { maxRetries: 0, maxWaitMs: 0 },
    timeoutMs: 15_000,
  });
  const lookups = createLookupGuard({
    git: lookupGithub,
    rateLimit: () => newestRateLimit([github.rateLimit(), lookupGithub.rateLimit()]),
    limits: config.lookups,
    now: () => clock.now().getTime(),
  });
  return {
    db,
    hydra,
    upstreamCache,
    git: config.githubToken ? github : observeOnly(github, logger),
    store,
    clock,
    logger,
    alertTargets: alertTargetsOf(config),
    alertSettings: config.alerts,
    channels: config.channels,
    branchGraph: config.branchGraph,
    hydraUrl: config.hydraUrl,
    binaryCacheUrl: config.binaryCacheUrl,
    binaryCache: createBinaryCache({ baseUrl: config.binaryCacheUrl, userAgent: USER_AGENT }),
    downloadDeadlineMs: config.downloadDeadlineMs,
    publicUrl: config.publicUrl,
    repoUrl: `https://github.com/${config.repo}`,
    adminTokens: config.adminTokens,
    owner,
    keepReleases: config.keepReleases,
    lookups,
    lookupWrites: queuedLookupWrites(db, logger.child({ step: "lookups" })),
    connectionAddress,
    changes: createChannelChanges({ owner, logger, announce: notifyThroughDatabase(db) }),
    gate: config.gate,
    subscriptionPolicy: config.subscriptions,
    issues: createGitHubIssueSource({
      baseUrl: config.githubApiUrl,
      repo: config.repo,
      token: config.githubToken,
      userAgent: USER_AGENT,
      logger: logger.child({ upstream: "github", for: "blocker issues" }),
      upstreamCache,
      now,
    }),
    ...overrides,
  };
}
