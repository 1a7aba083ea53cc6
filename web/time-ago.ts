import { formatAge } from "../src/status/format-age.ts";

/** How often relative times ("3 hours ago") are brought up to date while a page stays open. */
const REFRESH_MS = 60_000;

/** Keeps `<time data-ago>` texts true as time passes; the absolute time stays in `datetime`. */
export function keepTimesCurrent(root: ParentNode = document): void {
  const refresh = () => {
    const now = Date.now();
    for (const el of root.querySelectorAll<HTMLTimeElement>("time[data-ago]")) {
      const at = Date.parse(el.dateTime);
      if (Number.isNaN(at)) continue;
      el.textContent = `${formatAge(Math.max(0, Math.round((now - at) / 1000)))} ago`;
    }
  };
  refresh();
  setInterval(refresh, REFRESH_MS);
}
