import type { AgePoint } from "./lag-schema.ts";

const DAY_MS = 86_400_000;

/**
 * The highest age (in days, one decimal) in each of the `days` days ending at `to`: a sparkline's
 * values. Between points the age grows one second per second, so a day with no point peaks at its
 * end; a day before the first point has no value and is 0.
 */
export function dailyPeaks(points: AgePoint[], to: Date, days: number): number[] {
  const end = to.getTime();
  const start = end - days * DAY_MS;
  const parsed = points.map((p) => ({ at: Date.parse(p.at), seconds: p.seconds }));
  const peaks: number[] = [];
  let i = 0;
  let last: { at: number; seconds: number } | undefined;
  for (let d = 0; d < days; d++) {
    const dayEnd = start + (d + 1) * DAY_MS;
    let peak = 0;
    while (i < parsed.length && (parsed[i]?.at ?? Number.POSITIVE_INFINITY) <= dayEnd) {
      const p = parsed[i++];
      if (!p) break;
      if (p.at > dayEnd - DAY_MS) peak = Math.max(peak, p.seconds);
      last = p;
    }
    // The age just before the day ends: the last point's age grown until then.
    if (last) peak = Math.max(peak, last.seconds + (dayEnd - last.at) / 1000);
    peaks.push(Math.round((peak / 86_400) * 10) / 10);
  }
  return peaks;
}

/** The highest count of each of the `days` days ending at `to`, from a step series (value holds until the next point). */
export function dailyStepPeaks(
  points: { at: string; commits: number }[],
  to: Date,
  days: number,
): number[] {
  const start = to.getTime() - days * DAY_MS;
  const peaks = new Array<number>(days).fill(0);
  let held = 0;
  let day = 0;
  for (const p of points) {
    const at = Date.parse(p.at);
    const pointDay = Math.min(days - 1, Math.floor((at - start) / DAY_MS));
    // Days passed over keep the value held before this point.
    for (; day < pointDay; day++) peaks[day] = Math.max(peaks[day] ?? 0, held);
    if (pointDay >= 0) peaks[pointDay] = Math.max(peaks[pointDay] ?? 0, held, p.commits);
    held = p.commits;
    day = Math.max(day, pointDay);
  }
  for (; day < days; day++) peaks[day] = Math.max(peaks[day] ?? 0, held);
  return peaks;
}
