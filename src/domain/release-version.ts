import { AppError } from "../errors.ts";

/** `nixos-26.11pre1046609.643809054d65` → `26.11pre1046609.643809054d65` (after the first `-<digit>`). */
export function releaseVersion(releaseName: string): string {
  const match = /-([0-9].*)$/.exec(releaseName);
  if (!match?.[1]) {
    throw new AppError("BAD_RELEASE_NAME", `release name "${releaseName}" has no -<version> part`, {
      context: { release: releaseName },
    });
  }
  return match[1];
}

// Nix's builtins.compareVersions, which the real channel script uses for its time-travel guard.
function components(version: string): string[] {
  return version.match(/\d+|[a-zA-Z]+/g) ?? [];
}

function compareComponent(a: string, b: string): number {
  const aNum = /^\d+$/.test(a);
  const bNum = /^\d+$/.test(b);
  if (aNum && bNum) return Math.sign(Number(a) - Number(b));
  if (a === "" && bNum) return -1;
  if (b === "" && aNum) return 1;
  if (a === "pre") return b === "pre" ? 0 : -1;
  if (b === "pre") return 1;
  if (aNum) return 1;
  if (bNum) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1, exactly as `builtins.compareVersions a b`. */
export function compareVersions(a: string, b: string): number {
  const ca = components(a);
  const cb = components(b);
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const c = compareComponent(ca[i] ?? "", cb[i] ?? "");
    if (c !== 0) return c;
  }
  return 0;
}
