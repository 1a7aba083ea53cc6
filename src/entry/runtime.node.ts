import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import type { Hono } from "hono";
import { createGuardedPoster } from "../alerts/subscriptions/guarded-poster.node.ts";
import { createApp, defaultReadModel, READ_MODEL_MAX_AGE_MS } from "../app.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config/config.ts";
import type { Db, DbHandle } from "../db/client.ts";
import { openDatabase } from "../db/open-db.node.ts";
import type { DataDirClaim } from "../db/pglite.node.ts";
import { vacuumWhenDue } from "../db/vacuum-when-due.node.ts";
import type { Deps } from "../deps.ts";
import { makeDeps } from "../deps-factory.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "../publish/blob-store.ts";
import { createNodeCodec } from "../publish/codec.node.ts";
import { createFsStore, type FsStore } from "../publish/fs-store.node.ts";
import { sweepAbandonedTemps } from "../publish/fs-store-temps.node.ts";
import { createNodeProgramsIndexer } from "../publish/programs/programs-indexer.node.ts";
import { createS3Client } from "../publish/s3-client.ts";
import { createS3Store } from "../publish/s3-store.ts";
import { loadWebAssets } from "../status/assets/web-assets.node.ts";
import { createLookupAnswers, type LookupAnswers } from "../status/landings/lookup-answers.ts";
import type { ChannelReadModel } from "../status/read-model/channel-read-model.ts";
import { EMBEDDED_POLL_INTERVAL_MS } from "../status/read-model/follow-changes.ts";
import { createPageCache, type PageCache } from "../status/routes/cached-pages.ts";
import { nodeConnectionAddress } from "../status/routes/connection-address.node.ts";
import { encodeBodyNode } from "../status/routes/encode-body.node.ts";

export { USER_AGENT } from "../deps-factory.ts";

// Listing requests in flight at once; the pace is FLOODGATE_BINARY_CACHE_RPS.
const LISTING_CONCURRENCY = 16;

/** How long a command waits for another command (a cron tick, a migrate) to release the data dir. */
export const LOCK_WAIT_MS = 15_000;

export interface Runtime {
  config: Config;
  deps: Deps;
  app: Hono;
  readModel: ChannelReadModel;
  /** The app's renderings of pages and JSON, which Node's fast path serves while they are fresh. */
  pages: PageCache;
  /** The lookup routes' kept answers, which Node's fast path serves to commits asked about again. */
  lookupAnswers: LookupAnswers;
  /** The release files when they are on disk (file://), which Node's fast path serves directly. */
  files?: FsStore;
  /** LISTEN on the database, where it has one other processes can NOTIFY (PostgreSQL). */
  listen?: DbHandle["listen"];
  /** Embedded database only: where other processes reach this owner (see owner-control.node.ts). */
  advertise?(control: { url: string; token: string }): void;
  /** Embedded database only: settles if its thread ends while in use (see serveCommand). */
  lost?: Promise<Error>;
  /** Embedded database only: its vacuum, once a day (`vacuumWhenDue`); true if it ran now. */
  vacuumWhenDue?(): Promise<boolean>;
  close(): Promise<void>;
}

/** Node's adapters (files on disk, a lease owner per process) around the shared wiring. */
export function createDeps(
  config: Config,
  db: Db,
  logger: Logger,
  overrides: Partial<Deps> = {},
): Deps {
  const store = overrides.store ?? createStore(config);
  const owner = `node-${randomUUID()}`;
  const connectionAddress = nodeConnectionAddress;
  const adapters = { db, store, logger, owner, connectionAddress };
  const webAssets = loadWebAssets(logger);
  const subscriptionPoster = createGuardedPoster({
    allowLoopback: config.subscriptions.allowLoopback,
  });
  const deps = makeDeps(config, adapters, {
    codec: createNodeCodec(),
    webAssets,
    subscriptionPoster,
    encodePage: encodeBodyNode,
    ...overrides,
  });
  const programsIndexer =
    overrides.programsIndexer ??
    (deps.codec
      ? createNodeProgramsIndexer({
          cache: deps.binaryCache,
          codec: deps.codec,
          logger,
          workDir: join(resolve(config.dataDir), "programs-index"),
          requestsPerSecond: config.binaryCacheRequestsPerSecond,
          concurrency: LISTING_CONCURRENCY,
        })
      : undefined);
  return { ...deps, programsIndexer };
}

/**
 * Opens (and migrates) the database, then wires the ports and the HTTP app. An embedded database
 * is owned by this process until `close` (`claim` names the command and how long it waits).
 */
export async function openRuntime(
  config: Config,
  logger: Logger,
  claim: DataDirClaim,
  clock: Clock = systemClock,
): Promise<Runtime> {
  const handle: DbHandle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: resolve(config.dataDir),
    claim,
  });
  try {
    const files =
      config.storage.kind === "file" ? createFsStore(resolve(config.storage.dir)) : undefined;
    if (config.storage.kind === "file") await sweepTemps(resolve(config.storage.dir), logger);
    const deps = createDeps(config, handle.db, logger, {
      clock,
      ...(files ? { store: files } : {}),
    });
    // Embedded: this process makes (and announces) every change; see EMBEDDED_POLL_INTERVAL_MS.
    const readModel = config.databaseUrl
      ? defaultReadModel(deps)
      : defaultReadModel(deps, EMBEDDED_POLL_INTERVAL_MS + READ_MODEL_MAX_AGE_MS);
    const pages = createPageCache();
    const lookupAnswers = createLookupAnswers(readModel, deps.clock);
    return {
      config,
      deps,
      app: createApp({ ...deps, readModel, pageCache: pages, lookupAnswers }),
      readModel,
      pages,
      lookupAnswers,
      ...(files ? { files } : {}),
      ...(handle.listen ? { listen: handle.listen } : {}),
      advertise: handle.advertise,
      ...(handle.lost ? { lost: handle.lost } : {}),
      ...(config.databaseUrl
        ? {}
        : {
            vacuumWhenDue: () =>
              vacuumWhenDue(handle.db, join(resolve(config.dataDir), "db.vacuumed"), clock.now()),
          }),
      close: async () => {
        await deps.lookupWrites.settled();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** What a killed put left behind (a partial tarball) goes at start-up, before anything is written. */
async function sweepTemps(dir: string, logger: Logger): Promise<void> {
  const removed = await sweepAbandonedTemps(dir);
  if (removed > 0) logger.info("abandoned temp files removed", { step: "storage", removed, dir });
}

/** file:// → a directory; s3:// → the bucket at S3_ENDPOINT (or AWS S3) with the AWS_* keys. */
export function createStore(config: Config): BlobStore {
  if (config.storage.kind === "file") return createFsStore(resolve(config.storage.dir));
  const { accessKeyId, secretAccessKey } = config.s3;
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      "FLOODGATE_STORAGE: s3:// storage on Node needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and S3_ENDPOINT for R2 or another S3-compatible server)",
    );
  }
  const client = createS3Client({
    ...config.s3,
    bucket: config.storage.bucket,
    accessKeyId,
    secretAccessKey,
  });
  return createS3Store(client, config.storage.prefix);
}
