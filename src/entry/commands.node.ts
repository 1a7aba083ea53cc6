import { tickAll } from "../channels/tick-all.ts";
import type { Config } from "../config/config.ts";
import { openDatabase } from "../db/open-db.node.ts";
import type { Logger } from "../log.ts";
import { serveOnLoopback } from "../sim/serve.node.ts";
import { listChannelStatus } from "../status/channel-status.ts";
import { formatAge } from "../status/format-age.ts";
import { followChanges } from "../status/read-model/follow-changes.ts";
import { openRuntime } from "./runtime.node.ts";
import { startScheduler } from "./scheduler.node.ts";

type Print = (line: string) => void;

export async function migrateCommand(config: Config, print: Print): Promise<number> {
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
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
  const rt = await openRuntime(config, logger);
  try {
    const outcomes = await tickAll(rt.deps, channel);
    for (const o of outcomes) print(o.summary);
    return outcomes.some((o) => o.kind === "error") ? 1 : 0;
  } finally {
    await rt.close();
  }
}

export async function statusCommand(
  config: Config,
  logger: Logger,
  print: Print,
  json: boolean,
): Promise<number> {
  const rt = await openRuntime(config, logger);
  try {
    const statuses = await listChannelStatus(
      rt.deps.db,
      config.channels,
      new Date(),
      config.publicUrl,
    );
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
  } finally {
    await rt.close();
  }
}

/** HTTP (and the scheduler unless FLOODGATE_SCHEDULER=off) until SIGINT/SIGTERM. */
export async function serveCommand(config: Config, logger: Logger, print: Print): Promise<number> {
  const rt = await openRuntime(config, logger);
  const server = await serveOnLoopback(rt.app, config.port, config.host);
  const follower = await followChanges({
    readModel: rt.readModel,
    changes: rt.deps.changes,
    logger,
    ...(rt.listen ? { listen: rt.listen } : {}),
  });
  const scheduler = config.scheduler ? startScheduler(rt.deps) : null;
  print(
    `floodgate serving ${config.publicUrl} (listening on ${config.host}:${server.port}; scheduler ${scheduler ? "on" : "off"})`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await scheduler?.stop();
  await server.close();
  await follower.stop();
  await rt.close();
  return 0;
}
