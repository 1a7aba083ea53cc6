const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * PURE: the channels an issue names, in its title or body, as whole names: `nixos-unstable`
 * names nixos-unstable but not nixos-unstable-small, and `nixos-25.05.` at a sentence's end
 * names nixos-25.05. An issue naming none is shown on the overview only.
 */
export function mentionedChannels(text: string, channels: string[]): string[] {
  return channels.filter((name) =>
    new RegExp(`(?<![\\w.-])${escapeRegExp(name)}(?![\\w-]|\\.\\w)`, "i").test(text),
  );
}
