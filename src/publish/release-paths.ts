import { AppError } from "../errors.ts";

export const INDEX_FILE = "index.html";

/** Release directory of a channel, as mirror-nixos-branch.pl maps it: `nixos-unstable` → `nixos/unstable`. */
export function channelDir(channelName: string): string {
  if (channelName === "nixpkgs-unstable") return "nixpkgs";
  const match = /^([a-z]+)-(.+)$/.exec(channelName);
  const [, family, rest] = match ?? [];
  if (!family || !rest || !isSafeSegment(rest)) {
    throw new AppError(
      "BAD_CHANNEL_NAME",
      `channel name "${channelName}" must look like <family>-<name>, e.g. nixos-unstable`,
      { context: { channel: channelName } },
    );
  }
  return `${family}/${rest}`;
}

export function releasePrefix(channelName: string, releaseName: string): string {
  if (!isSafeSegment(releaseName)) {
    throw new AppError(
      "BAD_RELEASE_NAME",
      `release name "${releaseName}" is not a safe path segment`,
      {
        context: { channel: channelName, release: releaseName },
      },
    );
  }
  return `${channelDir(channelName)}/${releaseName}`;
}

export function releaseFileKey(channelName: string, releaseName: string, file: string): string {
  if (!isSafeSegment(file)) {
    throw new AppError("BAD_KEY", `file name "${file}" is not a safe path segment`, {
      context: { file },
    });
  }
  return `${releasePrefix(channelName, releaseName)}/${file}`;
}

/** The index page is stored beside the files: a filesystem cannot hold a file and a directory of one name. */
export function releaseIndexKey(channelName: string, releaseName: string): string {
  return `${releasePrefix(channelName, releaseName)}/${INDEX_FILE}`;
}

/**
 * One path segment that is safe on every store: not empty, no separators or control characters,
 * and not starting with "." (which also keeps `.`/`..` out and reserves dot names for store internals).
 */
export function isSafeSegment(segment: string): boolean {
  if (segment.length === 0 || segment.length > 255 || segment.startsWith(".")) return false;
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x2f || code === 0x5c) return false;
  }
  return true;
}

/** Splits a store key into safe segments, or returns null (absolute, empty segments, `..`, dot names). */
export function splitKey(key: string): string[] | null {
  const segments = key.split("/");
  return segments.length > 0 && segments.every(isSafeSegment) ? segments : null;
}

/**
 * An object store's view of keys under `prefix`: `locate` checks a key and adds the prefix
 * (a key that is not a safe relative path is refused, whatever the store), `relative` strips it
 * from a listed object key.
 */
export function prefixedKeys(prefix: string): {
  locate(key: string): string;
  relative(objectKey: string): string;
} {
  const root = prefix.replace(/^\/+|\/+$/g, "");
  return {
    locate(key) {
      if (!splitKey(key)) {
        throw new AppError("BAD_KEY", `storage key "${key}" is not a safe relative path`, {
          context: { key },
        });
      }
      return root ? `${root}/${key}` : key;
    },
    relative: (objectKey) => objectKey.slice(root ? root.length + 1 : 0),
  };
}
