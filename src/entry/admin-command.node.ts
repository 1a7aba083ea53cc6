import { userInfo } from "node:os";
import type { AdminActor, AdminResult } from "../channels/admin-action.ts";
import { parseAdminInput } from "../channels/admin-inputs.ts";
import { runAdminAction } from "../channels/run-admin-action.ts";
import type { Config } from "../config/config.ts";
import { type AdminAction, adminActions } from "../db/schema.ts";
import { AppError, errorCode, errorMessage, NotFoundError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { adminThroughOwner } from "./admin-through-owner.node.ts";
import { openOrReachOwner } from "./commands.node.ts";

type Print = (line: string) => void;

export interface AdminArgs {
  action?: string;
  channel?: string;
  reason?: string;
  release?: string;
  eval?: string;
  constituents: string[];
  json: boolean;
}

export const ADMIN_USAGE = `admin ACTION CHANNEL [--reason "…"] [--release NAME] [--eval ID] [--constituent JOB]…
                         ACTION: ${adminActions.join(", ")}; audited as the local user`;

function localUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? "unknown";
  }
}

/** The same input the HTTP API takes as JSON, from flags (absent flags stay absent). */
function inputFrom(args: AdminArgs): Record<string, unknown> {
  return {
    ...(args.reason === undefined ? {} : { reason: args.reason }),
    ...(args.release === undefined ? {} : { release: args.release }),
    ...(args.eval === undefined
      ? {}
      : { eval: /^\d+$/.test(args.eval) ? Number(args.eval) : args.eval }),
    ...(args.constituents.length ? { constituents: args.constituents } : {}),
  };
}

/** Refusals print their message: bad input exits 2, "nothing to retry" 1. */
const REFUSED_EXIT: Record<string, number> = { BAD_REQUEST: 2, NOT_FOUND: 2, CONFLICT: 1 };

const DONE: Record<AdminAction, string> = {
  freeze: "frozen",
  unfreeze: "unfrozen",
  pin: "pinned",
  unpin: "unpinned",
  retry: "retried",
  accept: "accepted",
};

/** The line the CLI prints for an action: what now holds, who did it, why. */
export function describeAdminResult(r: AdminResult): string {
  const why = r.reason ? `: ${r.reason}` : "";
  const d = r.details;
  switch (r.action) {
    case "pin":
      return `${r.channel} pinned to ${String(d.release)} by ${r.actor}${why}`;
    case "accept":
      return `${r.channel}: eval ${String(d.eval)} accepted with ${(d.constituents as string[]).join(", ")} failed, by ${r.actor}${why}`;
    case "retry":
      return `${r.channel}: release ${String(d.release ?? "")} retried by ${r.actor}${why}`;
    default:
      return `${r.channel} ${DONE[r.action]} by ${r.actor}${why}`;
  }
}

/** `floodgate admin ACTION CHANNEL …`: locally, or through a running serve that owns the database. */
export async function adminCommand(
  config: Config,
  logger: Logger,
  print: Print,
  args: AdminArgs,
  env: Record<string, string | undefined>,
): Promise<number> {
  const action = adminActions.find((a) => a === args.action);
  if (!action || !args.channel) {
    print(`usage: floodgate ${ADMIN_USAGE}`);
    return 2;
  }
  const actor: AdminActor = { label: localUser(env), via: "cli" };
  try {
    // Refused before the database is opened: a typo costs nothing.
    if (!config.channels.some((c) => c.name === args.channel)) {
      throw new NotFoundError(`unknown channel "${args.channel}"`);
    }
    const input = parseAdminInput(action, inputFrom(args));
    const result = await run(config, logger, action, args.channel, input, actor);
    print(args.json ? JSON.stringify(result, null, 2) : describeAdminResult(result));
    return 0;
  } catch (err) {
    const refused = err instanceof AppError ? REFUSED_EXIT[errorCode(err)] : undefined;
    if (refused === undefined) throw err;
    process.stderr.write(`floodgate admin ${action}: ${errorMessage(err)}\n`);
    return refused;
  }
}

async function run(
  config: Config,
  logger: Logger,
  action: AdminAction,
  channel: string,
  input: unknown,
  actor: AdminActor,
): Promise<AdminResult> {
  const opened = await openOrReachOwner(config, logger, "admin");
  if ("control" in opened) return adminThroughOwner(opened.control, action, channel, input, actor);
  try {
    return await runAdminAction(opened.rt.deps, action, channel, input, actor);
  } finally {
    await opened.rt.close();
  }
}
