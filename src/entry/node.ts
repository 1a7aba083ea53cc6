import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.node.ts";
import { AppError, errorMessage } from "../errors.ts";
import { jsonLogger } from "../log.ts";
import { ADMIN_USAGE, adminCommand } from "./admin-command.node.ts";
import { migrateCommand, serveCommand, statusCommand, tickCommand } from "./commands.node.ts";
import { demoCommand } from "./demo.node.ts";
import { describeFailure } from "./describe-failure.ts";
import { hydraCommand } from "./hydra-command.node.ts";
import { pruneCommand } from "./prune-command.node.ts";

const USAGE = `usage: floodgate <command>
  serve                  HTTP server (and the scheduler unless FLOODGATE_SCHEDULER=off)
  tick [--channel NAME]  one pass over every channel (or one), then exit
  migrate                apply database migrations
  status [--json]        each channel's release, age and why it is blocked
  demo [--exit]          simulator + service, offline: plays a scenario and prints each step
  hydra CHANNEL [--json] [--history] [--explain]
                         the channel's newest Hydra eval: constituents passed, failed, pending;
                         --history also backfills and lists its last 30 days;
                         --explain: each failing one flaky or consistent, with its first-bad range
  prune [--channel NAME] [--dry-run]
                         delete releases retention no longer keeps (FLOODGATE_KEEP_RELEASES)
  ${ADMIN_USAGE}`;

// sysexits.h: EX_CONFIG (a bad setting, or a FLOODGATE_DATA_DIR that cannot be created or written:
// read-only, not a directory); EX_TEMPFAIL (another process owns the data dir: cron may retry).
const EXIT_CODES: Record<string, number> = {
  BAD_CONFIG: 78,
  DATA_DIR_UNUSABLE: 78,
  DATA_DIR_BUSY: 75,
};

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      channel: { type: "string" },
      json: { type: "boolean" },
      exit: { type: "boolean" },
      history: { type: "boolean" },
      explain: { type: "boolean" },
      help: { type: "boolean" },
      reason: { type: "string" },
      release: { type: "string" },
      eval: { type: "string" },
      constituent: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
    },
  });
}

/** The CLI: parses argv, validates config, dispatches. Returns the exit code. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    // Node's text goes on about positionals after "--"; its first sentence is the point.
    const first = errorMessage(err).split(". ")[0] ?? "";
    process.stderr.write(
      `floodgate: ${first.charAt(0).toLowerCase()}${first.slice(1)}\n${USAGE}\n`,
    );
    return 2;
  }
  const { positionals, values } = parsed;
  const [command] = positionals;
  if (!command || values.help) {
    print(USAGE);
    return command ? 0 : 2;
  }
  const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), { service: "floodgate" });
  try {
    if (command === "demo") return await demoCommand(env, print, { exit: values.exit ?? false });
    const config = loadConfig(env);
    switch (command) {
      case "serve":
        return await serveCommand(config, logger, print);
      case "tick":
        return await tickCommand(config, logger, print, values.channel);
      case "admin":
        return await adminCommand(
          config,
          logger,
          print,
          {
            action: positionals[1],
            channel: positionals[2],
            reason: values.reason,
            release: values.release,
            eval: values.eval,
            constituents: values.constituent ?? [],
            json: values.json ?? false,
          },
          env,
        );
      case "migrate":
        return await migrateCommand(config, print);
      case "status":
        return await statusCommand(config, logger, print, values.json ?? false);
      case "hydra":
        return await hydraCommand(config, logger, print, positionals[1] ?? values.channel, {
          json: values.json ?? false,
          history: values.history ?? false,
          explain: values.explain ?? false,
        });
      case "prune":
        return await pruneCommand(config, logger, print, {
          channel: values.channel,
          dryRun: values["dry-run"] ?? false,
        });
      default:
        print(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const code = err instanceof AppError ? err.code : "INTERNAL";
    process.stderr.write(`floodgate: ${code}: ${describeFailure(err)}\n`);
    return EXIT_CODES[code] ?? 1;
  }
}
