import { ageClass, formatAge } from "../format-age.ts";
import type { ChannelStatus } from "../read-model/channel-status.ts";
import type { BadgeColour } from "./badge-svg.ts";

const COLOUR_OF_AGE = { fresh: "green", aging: "yellow", stale: "red" } as const;

/**
 * PURE: a channel's badge. The message is its revision's age (what users get is that old),
 * with "blocked" when a newer candidate cannot be released; the colour follows the age (green
 * under 3 days, yellow under 10, red beyond), grey for an unmaintained channel or an unknown age.
 */
export function channelBadge(ch: ChannelStatus): {
  label: string;
  message: string;
  colour: BadgeColour;
} {
  const label = ch.name;
  if (ch.status === "unmaintained") return { label, message: "unmaintained", colour: "grey" };
  if (!ch.release) return { label, message: "no release", colour: "grey" };
  const stuck = ch.state === "blocked" || ch.state === "error";
  const age = ch.revisionAgeSeconds;
  const message = `${age === null ? "age unknown" : formatAge(age)}${stuck ? " · blocked" : ""}`;
  return { label, message, colour: age === null ? "grey" : COLOUR_OF_AGE[ageClass(age)] };
}
