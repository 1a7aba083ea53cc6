// The status pages' script: draws the charts whose data and text alternatives the server already
// rendered. Without it every number is still on the page (tables and summaries).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from "chart.js";
import type { ChannelLag } from "../src/status/lag/lag-schema.ts";
import { keepTimesCurrent } from "./time-ago.ts";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
);

const DAY_S = 86_400;
const HOUR_S = 3_600;

/** The page's own colours (they follow prefers-color-scheme). */
function palette() {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string) => css.getPropertyValue(name).trim();
  return {
    fg: read("--fg"),
    muted: read("--muted"),
    line: read("--line"),
    series: [read("--chart-1"), read("--chart-2"), read("--chart-3")],
  };
}

const day = (ms: number) => new Date(ms).toISOString().slice(5, 10);

function timeAxis(colors: ReturnType<typeof palette>) {
  return {
    type: "linear" as const,
    ticks: {
      color: colors.muted,
      maxTicksLimit: 6,
      callback: (v: string | number) => day(Number(v)),
    },
    grid: { color: colors.line },
  };
}

function valueAxis(colors: ReturnType<typeof palette>, title: string) {
  return {
    beginAtZero: true,
    title: { display: true, text: title, color: colors.muted },
    ticks: { color: colors.muted },
    grid: { color: colors.line },
  };
}

type Chartable = ChartConfiguration<"line" | "bar" | "scatter", unknown[]>;

/** One chart configuration per `data-chart` name, from the lag JSON. */
function lagChart(kind: string, lag: ChannelLag): Chartable | null {
  const colors = palette();
  const at = (iso: string) => Date.parse(iso);
  const base = {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { labels: { color: colors.fg } } },
  };
  switch (kind) {
    case "revision-age":
      return {
        type: "line",
        data: {
          datasets: [
            {
              label: "revision age (days)",
              data: lag.revisionAge.map((p) => ({ x: at(p.at), y: p.seconds / DAY_S })),
            },
            {
              label: "since update (days)",
              data: lag.updateAge.map((p) => ({ x: at(p.at), y: p.seconds / DAY_S })),
            },
          ].map((d, i) => ({
            ...d,
            borderColor: colors.series[i],
            pointRadius: 0,
            borderWidth: 2,
          })),
        },
        options: { ...base, scales: { x: timeAxis(colors), y: valueAxis(colors, "days") } },
      };
    case "behind":
      return {
        type: "line",
        data: {
          datasets: [
            {
              label: `commits behind ${lag.sourceBranch}`,
              data: lag.behind.map((p) => ({ x: at(p.at), y: p.commits })),
              stepped: true,
              borderColor: colors.series[0],
              pointRadius: 0,
              borderWidth: 2,
            },
          ],
        },
        options: { ...base, scales: { x: timeAxis(colors), y: valueAxis(colors, "commits") } },
      };
    case "latency":
      return {
        type: "bar",
        data: {
          labels: lag.latency.map((w) => day(at(w.weekStart))),
          datasets: [
            {
              label: "p50 (hours)",
              data: lag.latency.map((w) => w.p50Seconds / HOUR_S),
              backgroundColor: colors.series[0],
            },
            {
              label: "p90 (hours)",
              data: lag.latency.map((w) => w.p90Seconds / HOUR_S),
              backgroundColor: colors.series[1],
            },
          ],
        },
        options: {
          ...base,
          scales: {
            x: { ticks: { color: colors.muted }, grid: { color: colors.line } },
            y: valueAxis(colors, "hours"),
          },
        },
      };
    case "advances":
      return {
        type: "scatter",
        data: {
          datasets: [
            {
              label: "advance (commits brought)",
              data: lag.advances.map((a) => ({ x: at(a.at), y: a.commits })),
              backgroundColor: colors.series[2],
              pointRadius: 4,
            },
          ],
        },
        options: { ...base, scales: { x: timeAxis(colors), y: valueAxis(colors, "commits") } },
      };
    default:
      return null;
  }
}

/** A small line of daily values (the overview's lag sparklines), no axes. */
function sparkChart(values: number[]): Chartable {
  const colors = palette();
  return {
    type: "line",
    data: {
      labels: values.map((_, i) => i),
      datasets: [{ data: values, borderColor: colors.series[0], pointRadius: 0, borderWidth: 1.5 }],
    },
    options: {
      animation: false,
      responsive: false,
      events: [],
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: { x: { display: false }, y: { display: false, beginAtZero: true } },
    },
  };
}

const lagByUrl = new Map<string, Promise<ChannelLag>>();
function fetchLag(url: string): Promise<ChannelLag> {
  let lag = lagByUrl.get(url);
  if (!lag) {
    lag = fetch(url, { headers: { Accept: "application/json" } }).then((res) => {
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      return res.json() as Promise<ChannelLag>;
    });
    lagByUrl.set(url, lag);
  }
  return lag;
}

async function drawLagCharts(): Promise<void> {
  for (const canvas of document.querySelectorAll<HTMLCanvasElement>(
    "canvas[data-chart][data-lag-url]",
  )) {
    const url = canvas.dataset.lagUrl ?? "";
    const config = lagChart(canvas.dataset.chart ?? "", await fetchLag(url));
    if (!config) continue;
    const box = canvas.parentElement;
    if (box?.hidden) box.hidden = false;
    new Chart(canvas, config);
    canvas.dataset.drawn = "true";
  }
}

function drawSparklines(): void {
  for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-spark]")) {
    const values = (canvas.dataset.spark ?? "").split(",").filter(Boolean).map(Number);
    if (values.length < 2) continue;
    canvas.hidden = false;
    new Chart(canvas, sparkChart(values));
    canvas.dataset.drawn = "true";
  }
}

keepTimesCurrent();
drawSparklines();
drawLagCharts().catch((err: unknown) => {
  // The tables and summaries already say it all; a chart that cannot load just stays hidden.
  document.documentElement.dataset.chartError = String(err);
});
