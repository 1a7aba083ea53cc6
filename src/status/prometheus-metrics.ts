import { LATENCY_BUCKETS } from "./metrics/latency-histogram.ts";
import type { ChannelMetricsHistory } from "./metrics/load-metrics-history.ts";
import type { ChannelStatus } from "./read-model/channel-status.ts";

// Prometheus text format: label values escape backslash, double quote and newline.
const escapeLabel = (value: string) =>
  value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  return `{${body}}`;
}

interface Family {
  name: string;
  help: string;
  type?: "gauge" | "histogram";
  /** `[name suffix, labels, value]` for histograms' `_bucket`/`_sum`/`_count`; else labels, value. */
  samples: ([Record<string, string>, number] | [string, Record<string, string>, number])[];
}

const failingConstituents = (c: ChannelStatus) =>
  c.reasons.reduce((n, r) => n + (r.kind === "constituents-failed" ? r.failed.length : 0), 0);

/** One channel's commit-to-channel latency as `_bucket{le}`, `_sum` and `_count` samples. */
function latencySamples(
  channel: string,
  history: ChannelMetricsHistory | undefined,
): Family["samples"] {
  if (!history) return [];
  const { cumulative, sumSeconds, count } = history.latency;
  return [
    ...LATENCY_BUCKETS.map(
      (le, i) =>
        ["_bucket", { channel, le: String(le) }, cumulative[i] ?? 0] as [
          string,
          Record<string, string>,
          number,
        ],
    ),
    ["_bucket", { channel, le: "+Inf" }, count],
    ["_sum", { channel }, sumSeconds],
    ["_count", { channel }, count],
  ];
}

const unix = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

/**
 * The metrics NixOS's channel-exporter serves (`channel_revision`, `channel_update_time`,
 * `channel_current`, same labels, so existing dashboards and alerts keep working) plus why a
 * channel is not moving, how long Hydra has had nothing releasable, and how long commits take.
 */
export function renderMetrics(
  channels: ChannelStatus[],
  history: ReadonlyMap<string, ChannelMetricsHistory>,
  now: Date,
): string {
  const families: Family[] = [
    {
      name: "channel_revision",
      help: "The revision a channel points at (always 1; the revision is a label).",
      samples: channels.flatMap((c) =>
        c.release
          ? [
              [
                {
                  channel: c.name,
                  revision: c.release.revision,
                  status: c.status,
                  variant: c.variant ?? "",
                  current: c.status === "unmaintained" ? "0" : "1",
                },
                1,
              ],
            ]
          : [],
      ),
    },
    {
      name: "channel_update_time",
      help: "When the channel's current release was published, in unix seconds.",
      samples: channels.flatMap((c) => {
        const at = unix(c.release?.publishedAt ?? null);
        return at === null ? [] : [[{ channel: c.name }, at]];
      }),
    },
    {
      name: "channel_current",
      help: "1 unless the channel is unmaintained.",
      samples: channels.map((c) => [{ channel: c.name }, c.status === "unmaintained" ? 0 : 1]),
    },
    {
      name: "floodgate_channel_blocked",
      help: "1 while a newer candidate cannot be released (see /api/v1/channels for the reasons).",
      samples: channels.map((c) => [
        { channel: c.name },
        c.state === "blocked" || c.state === "error" ? 1 : 0,
      ]),
    },
    {
      name: "floodgate_channel_revision_age_seconds",
      help: "Seconds since the committer time of the channel's revision.",
      samples: channels.flatMap((c) =>
        c.revisionAgeSeconds === null ? [] : [[{ channel: c.name }, c.revisionAgeSeconds]],
      ),
    },
    {
      name: "floodgate_channel_blocked_constituents",
      help: "Failed constituents blocking the channel now (0 when none block it).",
      samples: channels.map((c) => [{ channel: c.name }, failingConstituents(c)]),
    },
    {
      name: "floodgate_channel_last_green_eval_age_seconds",
      help: "Seconds since the newest eval whose channel job and every constituent passed finished.",
      samples: channels.flatMap((c) => {
        const at = history.get(c.name)?.lastGreenAt;
        return at
          ? [[{ channel: c.name }, Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000))]]
          : [];
      }),
    },
    {
      name: "floodgate_commit_to_channel_latency_seconds",
      help: "Seconds from a commit first seen on the source branch to the first release containing it.",
      type: "histogram",
      samples: channels.flatMap((c) => latencySamples(c.name, history.get(c.name))),
    },
  ];
  return families
    .map((f) =>
      [
        `# HELP ${f.name} ${f.help}`,
        `# TYPE ${f.name} ${f.type ?? "gauge"}`,
        ...f.samples.map((sample) => {
          const [suffix, l, v] = sample.length === 3 ? sample : ["", ...sample];
          return `${f.name}${suffix}${labels(l)} ${v}`;
        }),
      ].join("\n"),
    )
    .join("\n")
    .concat("\n");
}
