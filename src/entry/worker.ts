import type { Context } from "hono";
// `npm run build:web` writes it; wrangler bundles *.txt as a string (its default Text rule).
import webAssetsText from "../../dist/web/web-assets.txt";
import { createSubscriptionFeedCache } from "../alerts/subscriptions/feed-cache.ts";
import { createSlackOnlyPoster } from "../alerts/subscriptions/slack-only-poster.ts";
import { createApp, READ_MODEL_MAX_AGE_MS } from "../app.ts";
import defaultChannels from "../config/channels.default.json" with { type: "json" };
import { parseConfig } from "../config/config.ts";
import { createDb } from "../db/client.ts";
import { makeDeps } from "../deps-factory.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import { runScheduledTick } from "../jobs/run-scheduled-tick.ts";
import { enqueueScheduledTicks, runQueuedTick, type TickQueue } from "../jobs/tick-queue.ts";
import { jsonLogger } from "../log.ts";
import { createR2Store, type R2BucketLike } from "../publish/r2-store.ts";
import { parseWebAssets } from "../status/assets/web-assets.ts";
import {
  createChannelReadModel,
  createSnapshotCell,
} from "../status/read-model/channel-read-model.ts";
import { loadChannelSnapshot } from "../status/read-model/channel-snapshot.ts";

// Parsed once per isolate; Cloudflare compresses the answers at its edge.
const webAssets = parseWebAssets(webAssetsText);
// Per isolate: requests reuse the pointers for READ_MODEL_MAX_AGE_MS (the Workers freshness bound).
const snapshotCell = createSnapshotCell();
// Per isolate too: private feeds, dropped on changes this isolate's own ticks announce; other
// isolates' are not heard, so kept no longer than the read model (the Workers freshness bound).
const subscriptionFeeds = createSubscriptionFeedCache({ ttlMs: READ_MODEL_MAX_AGE_MS });

// The slice of the Workers runtime types used here (no @cloudflare/workers-types dependency).
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}
interface QueueMessage {
  body: unknown;
  ack(): void;
}
interface ExportedHandler<E> {
  fetch(request: Request, env: E, ctx: ExecutionContext): Promise<Response>;
  scheduled(controller: { cron: string }, env: E, ctx: ExecutionContext): Promise<void>;
  queue(batch: { messages: readonly QueueMessage[] }, env: E, ctx: ExecutionContext): Promise<void>;
}

/** Bindings from wrangler.toml; every string var is read as the env var of the same name. */
interface Env {
  HYPERDRIVE: { connectionString: string };
  RELEASES: R2BucketLike;
  /** The tick queue: each channel's tick in an invocation of its own; unset, one cron run ticks all. */
  TICKS?: TickQueue;
  /** The channels file's JSON (a string, or a table in `[vars]`) in place of the bundled one. */
  FLOODGATE_CHANNELS_JSON?: unknown;
  [name: string]: unknown;
}

function channelsOf(env: Env): { raw: unknown; source: string } {
  const source = "FLOODGATE_CHANNELS_JSON";
  const custom = env.FLOODGATE_CHANNELS_JSON;
  if (custom === undefined || custom === "") {
    return { raw: defaultChannels, source: "(bundled channels.default.json)" };
  }
  if (typeof custom !== "string") return { raw: custom, source };
  try {
    return { raw: JSON.parse(custom), source };
  } catch (err) {
    throw new ConfigError(`${source}: not valid JSON: ${errorMessage(err)}`);
  }
}

/** Ports for one request or cron event: a Worker may not share I/O objects between them. */
function open(env: Env) {
  const vars = Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string");
  const config = parseConfig(Object.fromEntries(vars), channelsOf(env));
  const logger = jsonLogger((line) => console.log(line), { service: "floodgate" });
  const prefix = config.storage.kind === "s3" ? config.storage.prefix : "";
  const handle = createDb(env.HYPERDRIVE.connectionString);
  const store = createR2Store(env.RELEASES, prefix);
  const owner = `worker-${crypto.randomUUID()}`;
  // Cloudflare sets this header itself at its edge; a client cannot forge it.
  const connectionAddress = (c: Context) => c.req.header("cf-connecting-ip");
  const adapters = { db: handle.db, store, logger, owner, connectionAddress };
  // Slack's fixed host only: a Worker's fetch cannot be pinned to an address floodgate checked.
  const subscriptionPoster = createSlackOnlyPoster();
  const deps = makeDeps(config, adapters, { webAssets, subscriptionPoster });
  deps.changes.onChange((channel) => {
    subscriptionFeeds.channelChanged(channel);
    return undefined;
  });
  return { deps, close: handle.close };
}

// biome-ignore lint/style/noDefaultExport: Workers need the default export.
export default {
  async fetch(request, env, ctx) {
    let runtime: ReturnType<typeof open>;
    try {
      runtime = open(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(`floodgate: BAD_CONFIG: ${err.message}`);
      return Response.json({ error: { code: err.code, message: err.message } }, { status: 500 });
    }
    try {
      const { db, channels } = runtime.deps;
      const readModel = createChannelReadModel({
        load: () =>
          loadChannelSnapshot(
            db,
            channels.map((c) => c.name),
          ),
        maxAgeMs: READ_MODEL_MAX_AGE_MS,
        cell: snapshotCell,
      });
      return await createApp({ ...runtime.deps, readModel, subscriptionFeeds }).fetch(request);
    } finally {
      // A lookup's findings are written after its answer; the connection closes behind them.
      ctx.waitUntil(runtime.deps.lookupWrites.settled().finally(runtime.close));
    }
  },

  async scheduled(controller, env, ctx) {
    const { deps, close } = open(env);
    const run = env.TICKS
      ? enqueueScheduledTicks(deps, env.TICKS, controller.cron)
      : runScheduledTick(deps, controller.cron);
    ctx.waitUntil(run.finally(close));
  },

  // max_batch_size = 1 (wrangler.toml): one channel per invocation, each with its own limits.
  async queue(batch, env) {
    const { deps, close } = open(env);
    try {
      for (const message of batch.messages) {
        // A tick records its own failures, and a bad message stays bad: never redelivered.
        await runQueuedTick(deps, message.body).catch((err: unknown) =>
          deps.logger.error("queued tick refused", { job: "tick", error: errorMessage(err) }),
        );
        message.ack();
      }
    } finally {
      await close();
    }
  },
} satisfies ExportedHandler<Env>;
