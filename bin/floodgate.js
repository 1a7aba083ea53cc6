#!/usr/bin/env node
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

// `serve` runs for months: V8's heap then grows with the garbage of every rendering before it
// collects, by default. Favouring size (smaller young generation, old generation grown less
// eagerly) keeps serve's JS heap at ~90 MiB instead of ~140–170 MiB with a year of history
// (bench/year-history.ts), for more frequent, shorter collections. Set before anything is
// loaded; short commands (tick, admin) keep V8's defaults.
if (process.argv[2] === "serve") setFlagsFromString("--optimize-for-size");

// `npm ci` bundles floodgate's own code into dist/cli (bin/build-cli.node.ts): it starts in a
// quarter of the time tsx takes, which every `floodgate tick` from cron pays. It runs only when it
// is newer than every file under src/, so an edited or pulled checkout runs its sources (tsx) and
// needs no build step.
const bundle = fileURLToPath(new URL("../dist/cli/floodgate.mjs", import.meta.url));
const sources = fileURLToPath(new URL("../src/", import.meta.url));

function bundleIsFresh() {
  if (process.env.FLOODGATE_FROM_SOURCE === "1" || !existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return readdirSync(sources, { recursive: true }).every(
    (file) => statSync(sources + file).mtimeMs <= built,
  );
}

async function loadMain() {
  if (bundleIsFresh()) return (await import(bundle)).main;
  const { register } = await import("tsx/esm/api");
  register();
  return (await import("../src/entry/node.ts")).main;
}

const main = await loadMain();
// Exit explicitly: a finished command must not linger on idle keep-alive sockets.
process.exit(await main(process.argv.slice(2), process.env));
