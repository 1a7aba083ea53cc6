import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import defaults from "./channels.default.json" with { type: "json" };
import { type Config, parseConfig } from "./config.ts";

/** Reads the channels file named by FLOODGATE_CHANNELS (or the bundled one) and validates everything. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const path = env.FLOODGATE_CHANNELS?.trim();
  if (!path) return parseConfig(env, { raw: defaults, source: "(bundled channels.default.json)" });
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
  return parseConfig(env, { raw, source: path });
}
