import type { AlertTarget } from "./alerts/notifier.ts";
import type { SubscriptionPolicy } from "./alerts/subscriptions/create-subscription.ts";
import type { SubscriptionPoster } from "./alerts/subscriptions/subscription-poster.ts";
import type { Clock } from "./clock.ts";
import type { AdminToken } from "./config/admin-tokens.ts";
import type { AlertsSection } from "./config/alert-settings.ts";
import type { ChannelSpec } from "./config/channels-file.ts";
import type { GatePolicy } from "./config/config.ts";
import type { Db } from "./db/client.ts";
import type { UpstreamCache } from "./db/upstream-cache.ts";
import type { BranchGraph } from "./domain/branch-graph.ts";
import type { IssueSource } from "./git/blocker-issues.ts";
import type { GitHost } from "./git/git-host.ts";
import type { LookupWrites } from "./git/lookup-writes.ts";
import type { HydraApi } from "./hydra/hydra-api.ts";
import type { Logger } from "./log.ts";
import type { BinaryCache } from "./publish/binary-cache.ts";
import type { BlobStore } from "./publish/blob-store.ts";
import type { Codec } from "./publish/codec.ts";
import type { ProgramsIndexer } from "./publish/programs/programs-indexer.ts";
import type { WebAssets } from "./status/assets/web-assets.ts";
import type { LookupGuard } from "./status/landings/lookup-guard.ts";
import type { ChannelChanges } from "./status/read-model/channel-changes.ts";
import type { ConnectionAddress } from "./status/routes/client-address.ts";
import type { EncodeBody } from "./status/routes/content-coding.ts";

/** The ports domain code works through; the entries build them from the config. */
export interface Deps {
  db: Db;
  hydra: HydraApi;
  git: GitHost;
  /** Conditional-request state shared by every process (ETags, Hydra's jobset overview). */
  upstreamCache: UpstreamCache;
  store: BlobStore;
  clock: Clock;
  logger: Logger;
  /** Configured alert targets (Slack, the JSON webhook); none: alerts are only logged. */
  alertTargets: AlertTarget[];
  /** The channels file's `alerts` section: thresholds, cooldown, routes. */
  alertSettings: AlertsSection;
  channels: ChannelSpec[];
  /** Where changes flow: a lookup answers for every node downstream of a PR's base branch. */
  branchGraph: BranchGraph;
  hydraUrl: string;
  publicUrl: string;
  /** `https://github.com/{FLOODGATE_REPO}`, for links on pages. */
  repoUrl: string;
  /** The built front end, where the runtime has it (Node: dist/web; Worker: bundled). */
  webAssets?: WebAssets;
  /** Compresses cached pages and JSON once per rendering (Node); none: served as rendered. */
  encodePage?: EncodeBody;
  /** The admin API's bearer tokens and their labels; empty: the admin API is off. */
  adminTokens: AdminToken[];
  /** Binary cache that build products and NAR listings come from (`FLOODGATE_BINARY_CACHE_URL`). */
  binaryCacheUrl: string;
  binaryCache: BinaryCache;
  /** Overall deadline of each product download (FLOODGATE_DOWNLOAD_DEADLINE_SECONDS). */
  downloadDeadlineMs: number;
  /** xz/zstd/brotli streams; only Node has them (release files that need one are skipped without). */
  codec?: Codec;
  /** programs.sqlite and the NixOS tarball repack; Node only (absent: Hydra's tarballs as they are). */
  programsIndexer?: ProgramsIndexer;
  /** Identifies this process in channel leases, so two advancers never work on one channel. */
  owner: string;
  /** Published releases retention keeps per channel (FLOODGATE_KEEP_RELEASES); null keeps all, unset 30. */
  keepReleases?: number | null;
  /** Public lookups' own GitHub budget, caches and per-client allowance; the tick uses `git`. */
  lookups: LookupGuard;
  /** What lookups learn from GitHub (landings, PRs), written after their answer. */
  lookupWrites: LookupWrites;
  /** The connection's peer address, where the runtime can tell (per-client lookup limits). */
  connectionAddress?: ConnectionAddress;
  /** Call after committing anything the public reads show (a flip, pin, freeze, tick outcome). */
  changes: ChannelChanges;
  /** Open GitHub issues by label (the channel-blocker banner); absent: no banner is refreshed. */
  issues?: IssueSource;
  /** Lease length and renewal, release step attempts and backoff (FLOODGATE_LEASE_SECONDS, …). */
  gate: GatePolicy;
  /** Subscription limits and the address policy's test-only loopback switch. */
  subscriptionPolicy: SubscriptionPolicy;
  /** POSTs to subscribers' URLs behind the address policy; Node only (absent: feeds only). */
  subscriptionPoster?: SubscriptionPoster;
}
