import { readFileSync } from "node:fs";
import cron from "node-cron";
import { ConfigError } from "../errors.ts";
import defaults from "./channels.default.json" with { type: "json" };
import { type Config, parseConfig } from "./config.ts";

/** Reads the channels file named by FLOODGATE_CHANNELS (or the bundled one) and validates everything. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const path = env.FLOODGATE_CHANNELS?.trim();
  if (!path) {
    return checkSchedules(
      parseConfig(env, { raw: defaults, source: "(bundled channels.default.json)" }),
      "(bundled channels.default.json)",
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`FLOODGATE_CHANNELS: cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`channels file ${path}: not valid JSON: ${(err as Error).message}`);
  }
  return checkSchedules(parseConfig(env, { raw, source: path }), path);
}

// node-cron runs the schedules on Node, so it is the judge; at load, so that `status` and `tick`
// refuse a bad schedule as `serve` would, instead of `serve` failing later without naming it.
function checkSchedules(config: Config, source: string): Config {
  config.channels.forEach((channel, i) => {
    if (cron.validate(channel.schedule)) return;
    throw new ConfigError(
      `channels file ${source}, key channels.${i}.schedule: "${channel.schedule}" is not a cron expression (channel ${channel.name}); expected "<minute> <hour> <day> <month> <weekday>", optionally led by seconds, e.g. "*/10 * * * *"`,
      { source, channel: channel.name },
    );
  });
  return config;
}
