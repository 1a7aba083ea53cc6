#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a clone needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/entry/node.ts");
// Exit explicitly: a finished command must not linger on idle keep-alive sockets.
process.exit(await main(process.argv.slice(2), process.env));
