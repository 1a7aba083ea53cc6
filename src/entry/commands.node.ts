import { tickAll } from "../channels/tick-all.ts";
import type { Config } from "../config/config.ts";
import { openDatabase } from "../db/open-db.node.ts";
import type { TickOutcome } from "../domain/tick-outcome.ts";
import { DataDirBusyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { everyResponseHeaders, publicFastPath } from "../status/fast-path/public-fast-path.node.ts";
import { serveHttp } from "../status/fast-path/serve-http.node.ts";
import { formatAge } from "../status/format-age.ts";
import { type ChannelStatus, listChannelStatus } from "../status/read-model/channel-status.ts";
import {
  EMBEDDED_POLL_INTERVAL_MS,
  followChanges,
  POLL_INTERVAL_MS,
} from "../status/read-model/follow-changes.ts";
import {
  type OwnerControl,
  startOwnerControl,
  statusFromOwner,
  tickThroughOwner,
} from "./owner-control.node.ts";
import { LOCK_WAIT_MS, openRuntime, type Runtime } from "./runtime.node.ts";
import { startScheduler } from "./scheduler.node.ts";
import { tickExitCode } from "./tick-exit-code.ts";
import { startVacuumSchedule, vacuumLogged } from "./vacuum-schedule.node.ts";

type Print = (line: string) => void;

/**
 * The runtime, or, when a running `serve` owns the embedded database, the way to reach it: `status`
 * and `tick` go through it rather than fail. Any other owner makes this throw DataDirBusyError.
 */
export async function openOrReachOwner(
  config: Config,
  logger: Logger,
  command: string,
): Promise<{ rt: Runtime } | { control: OwnerControl }> {
  try {
    return { rt: await openRuntime(config, logger, { command, waitMs: LOCK_WAIT_MS }) };
  } catch (err) {
    const control = err instanceof DataDirBusyError ? err.owner?.control : undefined;
    if (!control) throw err;
    const { pid, since } = (err as DataDirBusyError).owner ?? {};
    logger.info("data dir owned by serve; going through it", { command, pid, since });
    return { control };
  }
}

export async function migrateCommand(config: Config, print: Print): Promise<number> {
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    claim: { command: "migrate", waitMs: LOCK_WAIT_MS },
  });
  await handle.close();
  print(`migrations applied to ${config.databaseUrl ? "DATABASE_URL" : `${config.dataDir}/db`}`);
  return 0;
}

export async function tickCommand(
  config: Config,
  logger: Logger,
  print: Print,
  channel?: string,
): Promise<number> {
  if (channel && !config.channels.some((c) => c.name === channel)) {
    print(
      `unknown channel "${channel}"; configured: ${config.channels.map((c) => c.name).join(", ")}`,
    );
    return 2;
  }
  const opened = await openOrReachOwner(config, logger, "tick");
  let outcomes: TickOutcome[];
  if ("control" in opened) outcomes = await tickThroughOwner(opened.control, channel);
  else {
    // SIGTERM mid-publish: the step stops, the lease goes, the next start resumes (a second signal kills).
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGTERM", onSignal).once("SIGINT", onSignal);
    try {
      outcomes = await tickAll(opened.rt.deps, channel, stop.signal);
      // Ticked from cron, the embedded database has no other owner to vacuum it.
      const { vacuumWhenDue } = opened.rt;
      if (vacuumWhenDue && !stop.signal.aborted) await vacuumLogged(logger, vacuumWhenDue);
    } finally {
      process.off("SIGTERM", onSignal).off("SIGINT", onSignal);
      await opened.rt.close();
    }
  }
  for (const o of outcomes) print(o.summary);
  return tickExitCode(outcomes);
}

export async function statusCommand(
  config: Config,
  logger: Logger,
  print: Print,
  json: boolean,
): Promise<number> {
  const opened = await openOrReachOwner(config, logger, "status");
  let statuses: ChannelStatus[];
  if ("control" in opened) statuses = await statusFromOwner(opened.control);
  else {
    try {
      const { db } = opened.rt.deps;
      statuses = await listChannelStatus(db, config.channels, new Date(), config.publicUrl);
    } finally {
      await opened.rt.close();
    }
  }
  if (json) {
    print(JSON.stringify({ channels: statuses }, null, 2));
    return 0;
  }
  for (const s of statuses) {
    const rev = s.release
      ? `${s.release.name} (${formatAge(s.updateAgeSeconds)} ago)`
      : "no release";
    print(`${s.name.padEnd(24)} ${s.state.padEnd(8)} ${rev}\n${" ".repeat(25)}${s.summary}`);
  }
  return 0;
}

/** HTTP (and the scheduler unless FLOODGATE_SCHEDULER=off) until SIGINT/SIGTERM. */
export async function serveCommand(config: Config, logger: Logger, print: Print): Promise<number> {
  const rt = await openRuntime(config, logger, { command: "serve", waitMs: LOCK_WAIT_MS });
  const commonHeaders = await everyResponseHeaders(rt.app);
  const server = await serveHttp(rt.app, {
    port: config.port,
    hostname: config.host,
    front: (app) =>
      publicFastPath(
        {
          readModel: rt.readModel,
          pages: rt.pages,
          channels: config.channels.map((c) => c.name),
          publicUrl: config.publicUrl,
          ...(rt.files ? { store: rt.files } : {}),
          logger,
          commonHeaders,
          lookups: { answers: rt.lookupAnswers, guard: rt.deps.lookups },
        },
        app,
      ),
  });
  const follower = await followChanges({
    readModel: rt.readModel,
    changes: rt.deps.changes,
    logger,
    pollMs: config.databaseUrl ? POLL_INTERVAL_MS : EMBEDDED_POLL_INTERVAL_MS,
    ...(rt.listen ? { listen: rt.listen } : {}),
  });
  const owner = rt.advertise ? await startOwnerControl(rt) : null;
  if (owner) rt.advertise?.(owner.control);
  const scheduler = config.scheduler ? startScheduler(rt.deps) : null;
  // A PostgreSQL server vacuums itself; the embedded one is its owner's to vacuum.
  const vacuuming = rt.vacuumWhenDue ? startVacuumSchedule(logger, rt.vacuumWhenDue) : null;
  print(
    `floodgate serving ${config.publicUrl} (listening on ${config.host}:${server.port}; scheduler ${scheduler ? "on" : "off"})`,
  );
  const lost = await new Promise<Error | null>((resolve) => {
    process.once("SIGINT", () => resolve(null));
    process.once("SIGTERM", () => resolve(null));
    // Serving on from memory with no database would hide it; exiting lets a supervisor restart.
    rt.lost?.then(resolve);
  });
  if (lost) logger.error("embedded database stopped; exiting", { error: lost.message });
  await scheduler?.stop();
  await vacuuming?.stop();
  await server.close();
  await follower.stop();
  await owner?.server.close();
  await rt.close();
  return lost ? 1 : 0;
}
