import type { ChannelStatus } from "./channel-status.ts";

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
  samples: [Record<string, string>, number][];
}

const unix = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

/**
 * The metrics NixOS's channel-exporter serves (`channel_revision`, `channel_update_time`,
 * `channel_current`, same labels, so existing dashboards and alerts keep working) plus why a
 * channel is not moving.
 */
export function renderMetrics(channels: ChannelStatus[]): string {
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
  ];
  return families
    .map((f) =>
      [
        `# HELP ${f.name} ${f.help}`,
        `# TYPE ${f.name} gauge`,
        ...f.samples.map(([l, v]) => `${f.name}${labels(l)} ${v}`),
      ].join("\n"),
    )
    .join("\n")
    .concat("\n");
}
