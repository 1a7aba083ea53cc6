import type { AlertRoute, AlertTargetName } from "../config/alert-settings.ts";
import type { AlertKind } from "../db/schema.ts";

/**
 * The targets an alert goes to: with no routes, every configured target; with routes, the union of
 * the targets of every route whose channels and kinds (all when omitted) match.
 */
export function targetsFor(
  alert: { channel: string; kind: AlertKind },
  routes: AlertRoute[] | undefined,
  configured: AlertTargetName[],
): AlertTargetName[] {
  if (!routes) return configured;
  const wanted = new Set<AlertTargetName>();
  for (const route of routes) {
    if (route.channels && !route.channels.includes(alert.channel)) continue;
    if (route.kinds && !route.kinds.some((kind) => kind === alert.kind)) continue;
    for (const target of route.targets) wanted.add(target);
  }
  return configured.filter((name) => wanted.has(name));
}
