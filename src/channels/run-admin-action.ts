import type { AdminAction } from "../db/schema.ts";
import { acceptEval } from "./accept-eval.ts";
import type { AdminActor, AdminDeps, AdminResult } from "./admin-action.ts";
import { parseAdminInput } from "./admin-inputs.ts";
import { freezeChannel, unfreezeChannel } from "./freeze-channel.ts";
import { pinChannel, unpinChannel } from "./pin-channel.ts";
import { retryChannel } from "./retry-channel.ts";

/** Any admin action by name, its input parsed as for HTTP: what the CLI (and serve for it) runs. */
export function runAdminAction(
  deps: AdminDeps,
  action: AdminAction,
  channel: string,
  raw: unknown,
  actor: AdminActor,
): Promise<AdminResult> {
  switch (action) {
    case "freeze":
      return freezeChannel(deps, channel, parseAdminInput(action, raw), actor);
    case "unfreeze":
      return unfreezeChannel(deps, channel, parseAdminInput(action, raw), actor);
    case "pin":
      return pinChannel(deps, channel, parseAdminInput(action, raw), actor);
    case "unpin":
      return unpinChannel(deps, channel, parseAdminInput(action, raw), actor);
    case "accept":
      return acceptEval(deps, channel, parseAdminInput(action, raw), actor);
    case "retry":
      return retryChannel(deps, channel, parseAdminInput(action, raw), actor);
  }
}
