/** "3 days", "5 hours", "12 minutes": the coarse age status.nixos.org shows. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return "never";
  const units: [number, string][] = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? "" : "s"}`;
  }
  return `${seconds} seconds`;
}

/** status.nixos.org's colours: green under 3 days, orange under 10, red beyond. */
export function ageClass(seconds: number | null): "fresh" | "aging" | "stale" {
  if (seconds === null) return "stale";
  if (seconds < 3 * 86_400) return "fresh";
  return seconds < 10 * 86_400 ? "aging" : "stale";
}
